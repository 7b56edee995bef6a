/** The DEMO account end to end: add → worker → services, bills and intervals that agree with each other. */
import { describe, expect, it } from "vitest"
import { parse } from "csv-parse/sync"
import { Timestamp } from "@meterbridge/core"
import * as H from "./harness.ts"

interface ServiceJson {
  uid: string
  account_uid: string
  utility_service_id: string
  latest?: { type: string }
  bill_count: number
  interval_count: number
  bill_coverage: Array<[string, string]>
  interval_coverage: Array<[string, string]>
}

const HOUR = 3_600_000_000

describe("DEMO end to end", async () => {
  const h = await H.make()
  const u = await h.addUser("demo@example.com")
  const added = await H.addDemoAccount(h, u.token)
  await h.drain()

  it("the account ends updated and owns services that end updated", async () => {
    const account = (await (await h.request(`/api/accounts/${added.uid}.json`, { token: u.token })).json()) as { latest: { type: string; message: string } }
    expect(account.latest.type).toBe("updated")
    const services = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<ServiceJson>
    expect(services.length).toBeGreaterThan(0)
    for (const s of services) {
      expect(s.account_uid).toBe(added.uid)
      expect(s.latest?.type).toBe("updated")
    }
  })

  it("bill_count and interval_count equal the lengths of the lists, in JSON and in CSV", async () => {
    const services = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<ServiceJson>
    for (const s of services) {
      const bills = (await (await h.request(`/api/services/${s.uid}/bills.json`, { token: u.token })).json()) as Array<unknown>
      const intervals = (await (await h.request(`/api/services/${s.uid}/intervals.json`, { token: u.token })).json()) as Array<unknown>
      expect(bills.length).toBe(s.bill_count)
      expect(intervals.length).toBe(s.interval_count)
      expect(s.bill_count).toBeGreaterThan(12)
      expect(s.interval_count).toBeGreaterThan(96 * 365)
      const csv = parse(await (await h.request(`/api/services/${s.uid}/intervals.csv`, { token: u.token })).text(), { columns: true }) as Array<unknown>
      expect(csv.length).toBe(s.interval_count)
    }
  })

  it("each bill's kWh equals the sum of the intervals inside its period, and kW is kWh per hour", async () => {
    const services = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<ServiceJson>
    for (const s of services) {
      const bills = (await (await h.request(`/api/services/${s.uid}/bills.json`, { token: u.token })).json()) as Array<
        { bill_start_date: string; bill_end_date: string; bill_total_kWh: number; bill_bill_days: number }
      >
      const intervals = (await (await h.request(`/api/services/${s.uid}/intervals.json`, { token: u.token })).json()) as Array<
        { interval_start: string; interval_end: string; interval_kWh: number; interval_kW: number }
      >
      const starts = intervals.map((i) => Timestamp.parse(i.interval_start)!)
      const firstInterval = starts[0]!
      let checked = 0
      for (const b of bills) {
        const start = Timestamp.parse(b.bill_start_date)!
        const end = Timestamp.parse(b.bill_end_date)!
        expect(b.bill_bill_days).toBe(Math.round((end - start) / 86_400_000_000))
        if (start < firstInterval) continue // intervals reach back less far than bills
        let sum = 0
        for (let k = 0; k < starts.length; k++) if (starts[k]! >= start && starts[k]! < end) sum += intervals[k]!.interval_kWh
        expect(sum).toBeCloseTo(b.bill_total_kWh, 2)
        checked++
      }
      expect(checked).toBeGreaterThan(6)
      for (const i of intervals.slice(0, 500)) {
        const hours = (Timestamp.parse(i.interval_end)! - Timestamp.parse(i.interval_start)!) / HOUR
        expect(i.interval_kW).toBeCloseTo(i.interval_kWh / hours, 9)
      }
    }
  })

  it("start and end select intervals with start ≤ interval_start < end, as dates or timestamps", async () => {
    const [s] = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<ServiceJson>
    const all = (await (await h.request(`/api/services/${s!.uid}/intervals.json`, { token: u.token })).json()) as Array<{ interval_start: string }>
    const lo = Timestamp.parse("2025-03-01T00:00:00Z")!
    const hi = Timestamp.parse("2025-03-08T12:00:00Z")!
    const expected = all.filter((i) => {
      const t = Timestamp.parse(i.interval_start)!
      return t >= lo && t < hi
    })
    expect(expected.length).toBeGreaterThan(0)
    const res = await h.request(`/api/services/${s!.uid}/intervals.json?start=2025-03-01&end=2025-03-08T12:00:00.000000%2B00:00`, { token: u.token })
    expect(await res.json()).toEqual(expected)
  })

  it("JSON and CSV bills agree row for row, with nested bill_breakdown left out of CSV", async () => {
    const [s] = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<ServiceJson>
    const json = (await (await h.request(`/api/services/${s!.uid}/bills.json`, { token: u.token })).json()) as Array<Record<string, unknown>>
    const res = await h.request(`/api/services/${s!.uid}/bills`, { token: u.token, headers: { Accept: "text/csv" } })
    expect(res.headers.get("content-type")).toContain("text/csv")
    const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>
    expect(rows.length).toBe(json.length)
    expect(Object.keys(rows[0]!)).not.toContain("bill_breakdown")
    rows.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) {
        const j = json[i]![k]
        expect(v, k).toBe(j === null ? "" : String(j))
      }
    })
  })

  it("service JSON and CSV agree, and CSV leaves out latest and the coverage arrays", async () => {
    const json = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<Record<string, unknown>>
    const rows = parse(await (await h.request("/api/services.csv", { token: u.token })).text(), { columns: true }) as Array<Record<string, string>>
    expect(rows.length).toBe(json.length)
    for (const [i, row] of rows.entries()) {
      expect(Object.keys(row)).not.toContain("latest")
      expect(Object.keys(row)).not.toContain("bill_coverage")
      for (const [k, v] of Object.entries(row)) expect(v, k).toBe(json[i]![k] === null ? "" : String(json[i]![k]))
    }
  })
})
