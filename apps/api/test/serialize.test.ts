import { describe, expect, it } from "vitest"
import { parse } from "csv-parse/sync"
import { Stream } from "effect"
import { Store, Timestamp } from "@meterbridge/core"
import { MemoryStore } from "@meterbridge/core/testing"
import * as Serialize from "../src/v1/Serialize.ts"
import * as Wire from "../src/shared/wire.ts"
import * as H from "./harness.ts"

const row = (over: Partial<Store.IntervalRecord> = {}): Store.IntervalRecord => ({
  service_uid: "s1",
  utility: "PG&E",
  utility_service_id: "5555555-5",
  utility_tariff_name: "E10-TOU",
  utility_service_address: "123 \"MAIN\" ST,\n#4 \\ ünï",
  utility_meter_number: null,
  interval_start: Timestamp.parse("2012-01-05T07:00:00Z")!,
  interval_end: Timestamp.parse("2012-01-05T07:15:00Z")!,
  interval_kWh: 1.25,
  flow: "delivered",
  quality: "actual",
  source: null,
  updated: Timestamp.parse("2014-06-17T16:06:34.473724+00:00")!,
  ...over
})

describe("serialization", () => {
  it("the hand-written interval serializer is byte-identical to the Schema's encoding", () => {
    const cases = [
      row(),
      row({ interval_kWh: null }),
      row({ interval_kW: 7.5 }),
      row({ interval_kWh: 0.1 + 0.2, interval_start: 1_700_000_000_123_456, interval_end: 1_700_000_000_123_456 + 3_600_000_000 }),
      row({ utility_service_id: null, utility_tariff_name: null, utility_service_address: null, source: "https://x/y.zip", utility: "SDG&E" }),
      row({ interval_kWh: -2.5e-7, updated: 0 })
    ]
    for (let i = 0; i < 200; i++) {
      const start = Math.floor(Math.random() * 2 ** 52)
      cases.push(row({ interval_start: start, interval_end: start + 900_000_000, interval_kWh: Math.random() * 10, updated: Math.floor(Math.random() * 2 ** 52) }))
    }
    for (const c of cases) expect(Serialize.intervalJsonText(c)).toBe(JSON.stringify(Serialize.interval(c)))
  })

  it("the hand-written interval CSV line is byte-identical to csv-stringify's", () => {
    const cases = [
      row(),
      row({ interval_kWh: null, source: "a,b" }),
      row({ utility_service_address: "12 \"Main\" St,\nApt 4", utility_tariff_name: "E-1\r", utility: "SDG&E" }),
      row({ utility_service_id: null, utility_tariff_name: null, utility_service_address: null, interval_kWh: 0.1 + 0.2 }),
      row({ interval_kWh: -2.5e-7, interval_kW: 7.5, updated: 0 })
    ]
    for (const c of cases) expect(Serialize.intervalCsvText(c)).toBe(Wire.csvRows([Serialize.intervalCsvRow(c)]))
  })

  it("the fast timestamp formatter equals Timestamp.format", () => {
    const samples = [0, 1, 999_999, 86_399_999_999, 86_400_000_000, 951_782_400_000_000, Timestamp.parse("2024-02-29T23:59:59.999999Z")!, -1, 2 ** 53 - 1]
    // Every New Year's Eve and Day the date tables cover, and a little past them (where it defers to Timestamp.format).
    for (let y = 1890; y <= 2310; y++) {
      const newYear = Date.UTC(y, 0, 1) * 1000
      samples.push(newYear - 1, newYear, newYear + 59 * Timestamp.MICROS_PER_DAY, newYear + 365 * Timestamp.MICROS_PER_DAY - 1)
    }
    for (let i = 0; i < 5000; i++) samples.push(Math.floor(Math.random() * 2 ** 52))
    for (const t of samples) expect(Wire.fastTimestamp(t)).toBe(Timestamp.format(t))
  })

  it("the hand-written Service object deep-equals the Schema's encoding", () => {
    const account = { auth_type: "owner" as const, auth: "J" }
    const base: Store.ServiceWithFigures = {
      uid: "s1", user_uid: "u1", account_uid: "a1", utility: "DEMO",
      created: 1_700_000_000_123_456, active_until: null, latest: null, last_collected: null, ...Store.v1ServiceFields,
      utility_service_id: "1", utility_tariff_name: null, utility_service_address: "1 Main", utility_billing_account: null,
      utility_billing_contact: null, utility_billing_address: null, utility_meter_number: "M",
      bill_coverage: [], bill_count: 0, interval_coverage: [], interval_count: 0
    }
    const cases: Array<Store.ServiceWithFigures> = [
      base,
      { ...base, active_until: 1_800_000_000_000_001, latest: { type: "pending", message: "Downloading bill 4/25...", timestamp: 1_700_000_000_000_000 } },
      { ...base, bill_coverage: [[1, 2], [86_400_000_000, 86_400_000_001 * 40]], bill_count: 3, interval_coverage: [[0, 900_000_000]], interval_count: 1 }
    ]
    for (const c of cases) expect(Serialize.serviceFast(c, account)).toStrictEqual(Serialize.service(c, account))
  })

  it("derives interval_kW as kWh per hour unless the utility measured it", () => {
    expect(JSON.parse(Serialize.intervalJsonText(row())).interval_kW).toBe(5)
    expect(JSON.parse(Serialize.intervalJsonText(row({ interval_kW: 7.5 }))).interval_kW).toBe(7.5)
    expect(JSON.parse(Serialize.intervalJsonText(row({ interval_kWh: null }))).interval_kW).toBe(null)
  })

  it("counts bill days across a DST change as whole days", () => {
    // 2024-03-07 08:00Z (PST midnight) to 2024-04-07 07:00Z (PDT midnight): 31 days.
    expect(Serialize.billDays(Timestamp.parse("2024-03-07T08:00:00Z")!, Timestamp.parse("2024-04-07T07:00:00Z")!)).toBe(31)
  })

  it("writes CSV cells with quoting, null and absent fields as empty, nested fields left out", () => {
    const text = Wire.csv([{ a: "x,\"y\"", b: null, c: { nested: 1 }, d: 1.5 }, { a: "line\nbreak", d: true }])
    expect(parse(text, { columns: true })).toEqual([
      { a: "x,\"y\"", b: "", d: "1.5" },
      { a: "line\nbreak", b: "", d: "true" }
    ])
  })
})

describe("formats", async () => {
  const h = await H.make()
  const a = await h.addUser("a@example.com")

  it("chooses the format by suffix, then Accept, defaulting to JSON", async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ["/api/users.json", { Accept: "text/csv" }, "application/json"],
      ["/api/users.csv", {}, "text/csv"],
      ["/api/users", {}, "application/json"],
      ["/api/users", { Accept: "text/csv" }, "text/csv"],
      ["/api/users", { Accept: "text/html, text/csv;q=0.9, application/json;q=0.5" }, "text/csv"],
      ["/api/users", { Accept: "*/*" }, "application/json"]
    ]
    for (const [path, headers, type] of cases) {
      const res = await h.request(path, { token: a.token, headers })
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(200)
      expect(res.headers.get("content-type")).toContain(type)
    }
    const csv = await (await h.request("/api/users.csv", { token: a.token })).text()
    expect(parse(csv, { columns: true })).toEqual([{ uid: a.uid, email: "a@example.com", password: "****", created: expect.any(String) }])
  })

  it("answers 406 for other formats, and errors are always JSON", async () => {
    const xml = await h.request("/api/users.xml", { token: a.token })
    expect(xml.status).toBe(406)
    expect(await xml.json()).toMatchObject({ error: "not_acceptable" })
    const html = await h.request("/api/users", { token: a.token, headers: { Accept: "text/html" } })
    expect(html.status).toBe(406)
    const missing = await h.request("/api/services/nope.csv", { token: a.token })
    expect(missing.status).toBe(404)
    expect(missing.headers.get("content-type")).toContain("application/json")
    expect(await missing.json()).toEqual({ error: "not_found", message: "No service with that uid." })
  })

  it("answers unknown endpoints and bad bodies in the error format", async () => {
    const nothing = await h.request("/api/nothing.json", { token: a.token })
    expect(nothing.status).toBe(404)
    expect(await nothing.json()).toMatchObject({ error: "not_found" })
    const badJson = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, headers: { "Content-Type": "application/json" }, body: "{nope" })
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ error: "invalid_json" })
    const xml = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, headers: { "Content-Type": "application/xml" }, body: "<a/>" })
    expect(xml.status).toBe(415)
  })
})

describe("streaming", () => {
  it("starts sending a huge intervals list before the Store has produced it all", async () => {
    const TOTAL = 10 * 365 * 96 // a decade of 15-minute intervals
    let produced = 0
    const base = MemoryStore.make()
    const store: Store.StoreShape = {
      ...base,
      streamIntervals: (serviceUid) =>
        Stream.fromIterable((function*() {
          for (let i = 0; i < TOTAL; i++) {
            produced++
            yield row({ service_uid: serviceUid, utility_service_address: "123 MAIN ST", interval_start: i * 900_000_000, interval_end: (i + 1) * 900_000_000 })
          }
        })())
    }
    const h = await H.make({ store })
    const a = await h.addUser("a@example.com")
    await H.addDemoAccount(h, a.token)
    await h.drain()
    const [s] = (await (await h.request("/api/services.json", { token: a.token })).json()) as Array<{ uid: string }>
    for (const ext of ["json", "csv"]) {
      produced = 0
      const res = await h.request(`/api/services/${s!.uid}/intervals.${ext}`, { token: a.token })
      const reader = res.body!.getReader()
      const first = await reader.read()
      expect(first.done).toBe(false)
      expect(produced).toBeLessThan(TOTAL / 10)
      // Read it all, counting rows without keeping them.
      let rows = 0
      let tail = new TextDecoder().decode(first.value)
      const decoder = new TextDecoder()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        tail += decoder.decode(value, { stream: true })
        const cut = tail.lastIndexOf(ext === "json" ? "},{" : "\n")
        if (cut > 0) {
          rows += (tail.slice(0, cut).match(ext === "json" ? /"interval_start"/g : /\n/g) ?? []).length
          tail = tail.slice(cut)
        }
      }
      rows += (tail.match(ext === "json" ? /"interval_start"/g : /\n/g) ?? []).length
      expect(rows).toBe(ext === "json" ? TOTAL : TOTAL + 1)
      expect(produced).toBe(TOTAL)
    }
  }, 120_000)

  it("a Store failure mid-stream aborts the body instead of ending a partial list cleanly", async () => {
    const base = MemoryStore.make()
    const store: Store.StoreShape = {
      ...base,
      streamIntervals: () =>
        Stream.concat(
          Stream.fromIterable(Array.from({ length: 5000 }, (_, i) => row({ interval_start: i * 900_000_000, interval_end: (i + 1) * 900_000_000 }))),
          Stream.fail(new Store.StoreError({ message: "disk on fire" }))
        )
    }
    const h = await H.make({ store })
    const a = await h.addUser("a@example.com")
    await H.addDemoAccount(h, a.token)
    await h.drain()
    const [s] = (await (await h.request("/api/services.json", { token: a.token })).json()) as Array<{ uid: string }>
    const res = await h.request(`/api/services/${s!.uid}/intervals.json`, { token: a.token })
    await expect(res.text()).rejects.toBeDefined()
  })
})
