import { describe, expect, it } from "vitest"
import { Timestamp } from "@meterbridge/core"
import * as H from "./harness.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T

const setup = async () => {
  const h = await H.make()
  const a = await h.addUser("a@example.com")
  const acct = await H.addDemoAccount(h, a.token)
  await h.drain()
  const services = await json<Array<{ uid: string; account_uid: string; active_until: string }>>(h.request("/api/services.json", { token: a.token }))
  return { h, a, acct, services, s: services[0]!.uid }
}

describe("services", () => {
  // Read-only tests share one collected DEMO account; tests that change state build their own.
  let shared: ReturnType<typeof setup> | undefined
  const readOnly = () => (shared ??= setup())

  it.each([
    ["start=2025-13-01", "start"],
    ["start=2025-01-01 00:00:00", "start"],
    ["end=2014-01-01T01:01:01PM", "end"],
    ["end=yesterday", "end"],
    ["start=2025-02-01&end=2025-01-01", "end"],
    ["direction=sideways", "direction"]
  ])("rejects intervals?%s with 400 naming %s and the accepted format", async (query, field) => {
    const { h, a, s } = await readOnly()
    const res = await h.request(`/api/services/${s}/intervals.json?${query}`, { token: a.token })
    expect(res.status).toBe(400)
    const err = await json<{ field: string; message: string }>(res)
    expect(err.field).toBe(field)
    if (field !== "direction" && !query.includes("2025-02-01")) expect(err.message).toContain("YYYY-MM-DD")
  })

  it("reads an unencoded + in a timestamp's zone (it arrives as a space) and still rejects a space separator", async () => {
    const { h, a, s } = await readOnly()
    const encoded = await h.request(`/api/services/${s}/intervals.json?start=2025-03-01T00:00:00%2B00:00&end=2025-03-02T00:00:00%2B00:00`, { token: a.token })
    const raw = await h.request(`/api/services/${s}/intervals.json?start=2025-03-01T00:00:00+00:00&end=2025-03-02T00:00:00+00:00`, { token: a.token })
    expect(raw.status).toBe(200)
    const list = await raw.json() as Array<unknown>
    expect(list.length).toBe(96)
    expect(list).toEqual(await encoded.json())
    expect((await h.request(`/api/services/${s}/intervals.json?start=2025-03-01+00:00:00%2B00:00`, { token: a.token })).status).toBe(400)
  })

  it("serves received intervals separately (none for the DEMO residential meter)", async () => {
    const { h, a, s } = await readOnly()
    expect(await json(h.request(`/api/services/${s}/intervals.json?direction=received`, { token: a.token }))).toEqual([])
    expect(await (await h.request(`/api/services/${s}/intervals.csv?direction=received`, { token: a.token })).text()).toBe(
      "service_uid,utility,utility_service_id,utility_tariff_name,utility_service_address,utility_meter_number,interval_start,interval_end,interval_kWh,interval_kW,source,updated\n"
    )
  })

  it("modify: active_until \"now\" deactivates and collects once; a past time deactivates without collecting", async () => {
    const { h, a, s } = await setup()
    const before = Date.now()
    const res = await h.request(`/api/services/${s}/modify.json`, { method: "POST", token: a.token, form: { active_until: "now" } })
    expect(res.status).toBe(200)
    const body = await json<{ active_until: string }>(res)
    const t = Timestamp.parse(body.active_until)!
    expect(t).toBeGreaterThanOrEqual(Timestamp.fromMillis(before) - 1_000_000)
    expect(t).toBeLessThanOrEqual(Timestamp.fromMillis(Date.now()))
    expect((await h.run(h.store.listJobs)).filter((j) => j.target_uid === s).length).toBe(1)
    await h.drain()
    const past = await h.request(`/api/services/${s}/modify.json`, { method: "POST", token: a.token, json: { active_until: "2020-01-01T00:00:00Z" } })
    expect(await json(past)).toMatchObject({ active_until: "2020-01-01T00:00:00.000000+00:00" })
    expect((await h.run(h.store.listJobs)).filter((j) => j.target_uid === s).length).toBe(0)
  })

  it("modify: active_until cannot pass the account's auth_expires, and must be a valid timestamp", async () => {
    const { h, a, acct, s } = await setup()
    const account = await json<{ auth_expires: string }>(h.request(`/api/accounts/${acct.uid}.json`, { token: a.token }))
    const after = Timestamp.format(Timestamp.parse(account.auth_expires)! + 1)
    const late = await h.request(`/api/services/${s}/modify.json`, { method: "POST", token: a.token, json: { active_until: after } })
    expect(late.status).toBe(400)
    expect(await json(late)).toMatchObject({ field: "active_until", message: expect.stringContaining(account.auth_expires) })
    const bad = await h.request(`/api/services/${s}/modify.json`, { method: "POST", token: a.token, json: { active_until: "2014-01-01 01:01:01+00:00" } })
    expect(bad.status).toBe(400)
    expect(await json(bad)).toMatchObject({ field: "active_until", message: expect.stringContaining("\"T\" separator") })
    const options = await json<{ fields: Array<{ name: string }> }>(h.request(`/api/services/${s}/modify.json`, { token: a.token }))
    expect(options.fields.map((f) => f.name)).toEqual(["active_until", "update_data"])
  })

  it("modify with update_data=false changes active_until without collecting", async () => {
    const { h, a, s } = await setup()
    const future = Timestamp.format(Timestamp.fromMillis(Date.now() + 86_400_000))
    const res = await h.request(`/api/services/${s}/modify.json`, { method: "POST", token: a.token, json: { active_until: future, update_data: false } })
    expect(res.status).toBe(200)
    expect((await h.run(h.store.listJobs)).filter((j) => j.target_uid === s).length).toBe(0)
  })

  it("hides other users' services behind the same 404 as missing ones", async () => {
    const { h, s } = await readOnly()
    const b = await h.addUser("b@example.com")
    for (const suffix of ["", "/bills", "/intervals", "/modify", "/reset"]) {
      const foreign = await h.request(`/api/services/${s}${suffix}.json`, { token: b.token })
      const missing = await h.request(`/api/services/ffffffffffffffff${suffix}.json`, { token: b.token })
      expect(foreign.status).toBe(404)
      expect(await foreign.text()).toBe(await missing.text())
    }
    expect(await json(h.request("/api/services.json", { token: b.token }))).toEqual([])
  })

  it("answers POST on list endpoints with 405 pointing at modify and reset", async () => {
    const { h, a, s } = await readOnly()
    for (const path of ["/api/services", `/api/services/${s}`, `/api/services/${s}/bills`, `/api/services/${s}/intervals`]) {
      const res = await h.request(path, { method: "POST", token: a.token, json: {} })
      expect(res.status).toBe(405)
      expect((await json<{ message: string }>(res)).message).toContain("/reset")
    }
  })
})
