/** Smart Meter Texas through the API: the test ESIID end to end, and a real ESIID through the email confirmation once live. */
import { Clock, Effect } from "effect"
import { Collection, Worker } from "@meterbridge/core"
import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T


const csvRows = (text: string) => text.trim().split("\n").slice(1)

describe("Smart Meter Texas through the API", () => {
  it("authorizes the test ESIID while registration is pending and serves its 15-minute data as JSON and CSV", async () => {
    const h = await H.make()
    const a = await h.addUser("tex@example.com")
    const fields = { utility: "SMT", auth_type: "owner", real_name: "Tex", esiid: "123456789", meter_number: "123123", rep: "TEST REP", email: "tex@example.com" }
    const added = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: fields })
    expect(added.status).toBe(200)
    const account = await json<{ uid: string; login: string }>(added)
    expect(account.login).toBe("smt_agreement")
    await h.drain()
    expect((await json<{ latest: { type: string } }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))).latest.type).toBe("updated")
    const [service] = await json<Array<{ uid: string; utility_service_id: string; interval_count: number; bill_count: number; latest: { type: string } }>>(
      h.request("/api/services.json", { token: a.token })
    )
    expect(service!.utility_service_id).toBe("123456789")
    expect(service!.latest.type).toBe("updated")
    expect(service!.interval_count).toBeGreaterThan(96 * 300)
    const intervals = await json<Array<{ interval_start: string; interval_end: string; interval_kWh: number }>>(
      h.request(`/api/services/${service!.uid}/intervals.json`, { token: a.token })
    )
    expect(intervals).toHaveLength(service!.interval_count)
    const csv = csvRows(await (await h.request(`/api/services/${service!.uid}/intervals.csv`, { token: a.token })).text())
    expect(csv).toHaveLength(intervals.length)
    // Row for row: the CSV's start and kWh columns are the JSON's.
    for (const i of [0, 1000, intervals.length - 1]) {
      const cols = csv[i]!.split(",")
      expect(cols).toContain(intervals[i]!.interval_start)
      expect(cols).toContain(String(intervals[i]!.interval_kWh))
    }
    for (const i of intervals.slice(0, 200)) {
      expect(Date.parse(i.interval_end) - Date.parse(i.interval_start)).toBe(15 * 60_000)
    }
    const bills = await json<Array<{ bill_total_kWh: number; bill_total: number | null }>>(h.request(`/api/services/${service!.uid}/bills.json`, { token: a.token }))
    expect(bills).toHaveLength(service!.bill_count)
    // SMT's monthly billing reads carry kWh but no dollar total.
    expect(bills.every((b) => b.bill_total === null && b.bill_total_kWh > 0)).toBe(true)
  }, 60_000)

  it("once registration is live, a real ESIID waits for the customer's email confirmation, then collects", async () => {
    const h = await H.make()
    const a = await h.addUser("live@example.com")
    await h.run(h.store.setRegistration(a.uid, "SMT", "live"))
    // A sandbox customer with a real-format (Oncor) ESIID.
    const esiid = "10443720000000001"
    const fields = { utility: "SMT", auth_type: "owner", real_name: "Tex", esiid, meter_number: "112233445LG", rep: "Reliant", email: "tex@example.com" }
    const account = await json<{ uid: string; latest: { type: string; message: string } }>(
      h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: fields })
    )
    expect(account, JSON.stringify(account)).toHaveProperty("latest.type", "pending")
    expect(account.latest.message).toMatch(/confirm the Smart Meter Texas email/)
    // Before the customer acts, polling leaves the account pending.
    await h.run(Effect.provideService(Worker.drain, Clock.Clock, H.clockAhead(Collection.POLL_INTERVAL_MS + 1_000)))
    expect((await json<{ latest: { type: string } }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))).latest.type).toBe("pending")
    // The customer clicks the link in SMT's email (the sandbox shows what it sent for that agreement).
    const agreement = (await h.run(h.store.getAccount(account.uid)))!.authorization_ref
    const outbox = await json<Array<{ esiid: string; confirmUrl: string }>>(h.app.request(`${H.BASE}/sandbox/smt/outbox/${agreement}`))
    const email = outbox.find((e) => e.esiid === esiid)!
    expect(email).toBeDefined()
    expect((await h.app.request(email.confirmUrl)).status).toBe(200)
    await h.run(Effect.provideService(Worker.drain, Clock.Clock, H.clockAhead(3 * Collection.POLL_INTERVAL_MS)))
    const after = await json<{ latest: { type: string }; auth_expires: string }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))
    expect(after.latest.type).toBe("updated")
    // SMT agreements last 12 months.
    const months = (Date.parse(after.auth_expires) - Date.now()) / (30.4 * 86_400_000)
    expect(months).toBeGreaterThan(11)
    expect(months).toBeLessThan(13)
    const services = await json<Array<{ utility_service_id: string; interval_count: number }>>(h.request("/api/services.json", { token: a.token }))
    expect(services.map((s) => s.utility_service_id)).toEqual([esiid])
    expect(services[0]!.interval_count).toBeGreaterThan(0)
  }, 60_000)
})
