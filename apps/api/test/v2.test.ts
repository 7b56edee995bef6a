/**
 * The v2 workflow through `app.request`: templates and forms, test-submit of
 * every scenario, authorizations and their meters, historical collection,
 * bills, intervals and CSV files — and bad input on every endpoint.
 */
import { describe, expect, it } from "vitest"
import { parse } from "csv-parse/sync"
import { Jobs, Worker } from "@meterbridge/core"
import { Clock, Effect, Stream as EffectStream } from "effect"
import * as H from "./harness.ts"

type Json = Record<string, any>

const body = async (res: Response | Promise<Response>) => (await (await res).json()) as Json

describe("v2 API", async () => {
  const h = await H.make()
  const alice = await h.addUser("alice@example.com")
  const bob = await h.addUser("bob@example.com")
  const v2 = (path: string, init: RequestInit & { json?: unknown; token?: string; raw?: string } = {}) => {
    const { json, token = alice.token, raw, ...rest } = init
    const headers = new Headers(rest.headers)
    headers.set("Authorization", `Bearer ${token}`)
    // Like the utility-api Python client: JSON bodies without a JSON content type.
    const payload = raw ?? (json === undefined ? undefined : JSON.stringify(json))
    return h.app.request(`${H.BASE}/api/v2${path}`, { ...rest, headers, ...(payload === undefined ? {} : { body: payload }) })
  }
  const form = await body(v2("/forms", { method: "POST", json: {} }))

  const testSubmit = async (scenario: string, utility = "DEMO", token = alice.token, formUid = form["uid"]) => {
    const res = await v2(`/forms/${formUid}/test-submit`, { method: "POST", json: { utility, scenario }, token })
    expect(res.status).toBe(200)
    return body(res)
  }

  it("answers in v2's error format, takes Bearer tokens, and v1's suffixes never rewrite v2 paths", async () => {
    const anon = await h.app.request(`${H.BASE}/api/v2/meters`)
    expect(anon.status).toBe(401)
    expect(Object.keys(await anon.json()).sort()).toEqual(["error", "error_description"])
    const suffixed = await v2("/meters.json")
    expect(suffixed.status).toBe(404)
    expect((await suffixed.json())["error"]).toBe("not_found")
    // v1 keeps its own format on the same server.
    const v1 = await h.request("/api/nothing.json", { token: alice.token })
    expect(Object.keys(await v1.json()).sort()).toEqual(["error", "message"])
    // The v1 token forms work on v2 too.
    expect((await h.app.request(`${H.BASE}/api/v2/meters?access_token=${alice.token}`)).status).toBe(200)
  })

  it("templates and forms: created, listed, fetched, deleted; bad input is refused with nothing written", async () => {
    const missing = await v2("/templates", { method: "POST", json: { redirect_uris: ["https://acme.example/back"] } })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: "required_param_missing" })
    const badUri = await v2("/templates", { method: "POST", json: { company_name: "Acme", redirect_uris: ["javascript:alert(1)"] } })
    expect(badUri.status).toBe(400)
    expect((await badUri.json())["error"]).toBe("invalid_param")
    // curl -d sends JSON labelled as a form: still JSON.
    const curlStyle = await v2("/templates", { method: "POST", raw: JSON.stringify({ company_name: "Curl Co" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } })
    expect(curlStyle.status).toBe(200)
    await v2(`/templates/${(await curlStyle.json())["uid"]}`, { method: "DELETE" })
    const notJson = await v2("/templates", { method: "POST", raw: "{company_name:" })
    expect((await notJson.json())["error"]).toBe("invalid_param")
    expect((await body(v2("/templates")))["templates"]).toEqual([])

    const t = await body(v2("/templates", { method: "POST", json: { company_name: "Acme Solar", redirect_uris: ["https://acme.example/back"] } }))
    expect(t).toMatchObject({ company_name: "Acme Solar", redirect_uris: ["https://acme.example/back"], user_email: "alice@example.com" })
    expect((await v2(`/templates/${t["uid"]}`, { token: bob.token })).status).toBe(404)

    for (const bad of [{ scope: { expires: "forever" } }, { scope: { expires: "0d" } }, { scope: "3y" }, { template_uid: "nope" }, { utility: "NOPE" }]) {
      const res = await v2("/forms", { method: "POST", json: bad })
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect((await res.json())["error"]).toBe("invalid_param")
    }
    const f = await body(v2("/forms", { method: "POST", json: { template_uid: t["uid"], customer_email: "pat@example.com", scope: { expires: "30d" } } }))
    expect(f["url"]).toMatch(new RegExp(`^${H.BASE}/authorize/${t["uid"]}\\?f=[A-Za-z0-9_-]{22}$`))
    expect(f["scope"]).toEqual({ expires: "30d" })
    const listed = await body(v2(`/forms?templates=${t["uid"]}`))
    expect(listed["forms"].map((x: Json) => x["uid"])).toEqual([f["uid"]])
    expect((await body(v2(`/forms/${f["uid"]}`)))["customer_email"]).toBe("pat@example.com")
    expect((await v2(`/forms/${f["uid"]}`, { token: bob.token })).status).toBe(404)
    expect(await body(v2(`/forms/${f["uid"]}`, { method: "DELETE" }))).toEqual({ success: true })
    expect((await v2(`/forms/${f["uid"]}`)).status).toBe(404)
  })

  it("test-submit residential → one meter with no logs yet; historical collection → bills and intervals in v2 shapes", async () => {
    const submitted = await testSubmit("residential")
    expect(submitted["referral"]).toEqual(expect.any(String))
    await h.drain()
    const found = await body(v2(`/authorizations?referrals=${submitted["referral"]}&include=meters`))
    expect(found["authorizations"]).toHaveLength(1)
    const auth = found["authorizations"][0]
    expect(auth).toMatchObject({ uid: submitted["authorization_uid"], is_test: true, form_uid: form["uid"], utility: "DEMO", status: "updated" })
    const meters = auth["meters"]["meters"] as Array<Json>
    expect(meters).toHaveLength(1)
    const meter = meters[0]!
    expect(meter).toMatchObject({ status_message: "Service exists but no logs yet", is_activated: false, bill_count: 0, interval_count: 0 })
    // Nothing was collected: the worker had nothing to do for the meter.
    expect(await h.drain()).toBe(0)

    // The Python client posts {"meters": [...]} without a JSON content type.
    const started = await body(v2("/meters/historical-collection", { method: "POST", raw: JSON.stringify({ meters: [meter["uid"]], collection_duration: 6 }) }))
    expect(started).toEqual({ success: true, meters: [meter["uid"]], collection_duration: 6 })
    expect((await body(v2(`/meters/${meter["uid"]}`)))["status"]).toBe("pending")
    await h.drain()
    const after = await body(v2(`/meters/${meter["uid"]}`))
    expect(after).toMatchObject({ status: "updated", is_activated: true })
    expect(after["bill_count"]).toBeGreaterThanOrEqual(5)
    expect(after["interval_count"]).toBeGreaterThan(96 * 150)
    // Six months asked for: nothing older than that was fetched.
    const sixMonthsAgo = Date.now() - 186 * 86_400_000
    expect(Date.parse(after["interval_coverage"][0][0])).toBeGreaterThan(sixMonthsAgo - 86_400_000)

    const bills = await body(v2(`/bills?meters=${meter["uid"]}`))
    expect(bills["bills"]).toHaveLength(after["bill_count"])
    const bill = bills["bills"][0]
    expect(bill["blocks"]).toEqual(expect.arrayContaining(["base", "line_items"]))
    const items = bill["line_items"] as Array<Json>
    expect(items.length).toBeGreaterThan(0)
    expect(items.reduce((a, i) => a + i["cost"], 0)).toBeCloseTo(bill["base"]["bill_total_cost"], 2)
    // Newest first.
    const starts = bills["bills"].map((b: Json) => Date.parse(b["base"]["bill_start_date"]))
    expect([...starts].sort((a, b) => b - a)).toEqual(starts)

    const day = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10)
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10)
    const intervals = await body(v2(`/intervals?meters=${meter["uid"]}&start=${day}&end=${next}`))
    const readings = intervals["intervals"][0]["readings"] as Array<Json>
    expect(readings).toHaveLength(96)
    const v1 = (await (await h.request(`/api/services/${meter["uid"]}/intervals.json?start=${day}&end=${next}`, { token: alice.token })).json()) as Array<Json>
    expect(readings.map((r) => r["kwh"])).toEqual(v1.map((i) => i["interval_kWh"]))
    // A meter that only imports has one net datapoint.
    expect(readings[0]!["datapoints"]).toEqual([{ type: "net", unit: "kwh", value: v1[0]!["interval_kWh"] }])
    // The utility-api client writes export links as `intervals_csv?<meter uid>`.
    const bare = parse(await (await v2(`/files/intervals_csv?${meter["uid"]}&start=${day}&end=${next}`)).text(), { columns: true })
    expect(bare).toHaveLength(96)

    const csv = await v2(`/files/intervals_csv?meters=${meter["uid"]}&start=${day}&end=${next}`)
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/)
    const rows = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>
    expect(rows).toHaveLength(96)
    expect(rows.map((r) => Number(r["interval_kwh"]))).toEqual(v1.map((i) => i["interval_kWh"]))
    const billsCsv = parse(await (await v2(`/files/meters_bills_csv?authorizations=${auth["uid"]}`)).text(), { columns: true }) as Array<Record<string, string>>
    expect(billsCsv).toHaveLength(after["bill_count"])
    const lineItems = parse(await (await v2(`/files/meters_lineitems_csv?meters=${meter["uid"]}`)).text(), { columns: true }) as Array<Record<string, string>>
    expect(lineItems.length).toBeGreaterThanOrEqual(after["bill_count"])

    // Another user's meter is not there, in any listing.
    expect((await v2(`/meters/${meter["uid"]}`, { token: bob.token })).status).toBe(404)
    expect((await body(v2(`/bills?meters=${meter["uid"]}`, { token: bob.token })))["bills"]).toEqual([])
    expect((await v2("/meters/historical-collection", { method: "POST", json: { meters: [meter["uid"]] }, token: bob.token })).status).toBe(400)
  })

  it("a second, longer historical collection fetches only the missing span", () => {
    const windows = Jobs.missingIntervalWindows(
      { last_collected: 100 * 86_400_000_000, interval_count: 10, interval_coverage: [[50 * 86_400_000_000, 100 * 86_400_000_000]] },
      { start: 10 * 86_400_000_000, end: 101 * 86_400_000_000 }
    )
    expect(windows).toEqual([
      { start: 10 * 86_400_000_000, end: 50 * 86_400_000_000 },
      { start: 97 * 86_400_000_000, end: 101 * 86_400_000_000 }
    ])
  })

  it("bills and intervals need meters or authorizations; bad parameters are named", async () => {
    for (const path of ["/bills", "/intervals", "/files/intervals_csv", "/files/meters_bills_csv"]) {
      const res = await v2(path)
      expect(res.status, path).toBe(400)
      expect((await res.json())["error"]).toBe("required_param_missing")
    }
    expect((await body(v2("/intervals?meters=x&start=yesterday")))["error"]).toBe("invalid_param")
    expect((await body(v2("/meters?limit=5000")))["error"]).toBe("invalid_param")
    expect((await body(v2("/meters?is_archived=maybe")))["error"]).toBe("invalid_param")
    expect((await body(v2("/meters/historical-collection", { method: "POST", json: {} })))["error"]).toBe("required_param_missing")
    expect((await body(v2("/meters/historical-collection", { method: "POST", json: { meters: "nope", collection_duration: 40 } })))["error"]).toBe("invalid_param")
    expect((await body(v2("/meters/ongoing-monitoring", { method: "POST", json: { meters: [], frequency: "hourly" } })))["error"]).toBe("invalid_param")
    expect((await body(v2(`/forms/${form["uid"]}/test-submit`, { method: "POST", json: { utility: "DEMO", scenario: "flood" } })))["error"]).toBe("invalid_param")
    expect((await body(v2(`/forms/${form["uid"]}/test-submit`, { method: "POST", json: { utility: "NOPE", scenario: "residential" } })))["error"]).toBe("invalid_param")
    expect((await body(v2("/authorizations?include=bills")))["error"]).toBe("invalid_param")
  })

  it("every test-submit scenario ends in its documented state", async () => {
    const run = async (scenario: string) => {
      const s = await testSubmit(scenario)
      await h.drain()
      const auth = await body(v2(`/authorizations/${s["authorization_uid"]}?include=meters`))
      const meters = auth["meters"]["meters"] as Array<Json>
      if (meters.length > 0) {
        await v2("/meters/historical-collection", { method: "POST", json: { meters: meters.map((m) => m["uid"]) } })
        await h.drain()
      }
      return { auth: await body(v2(`/authorizations/${s["authorization_uid"]}?include=meters`)), uid: s["authorization_uid"] as string }
    }
    const residential = await run("residential")
    expect(residential.auth["meters"]["meters"].map((m: Json) => m["status"])).toEqual(["updated"])
    const commercial = await run("commercial")
    expect(commercial.auth["status"]).toBe("updated")
    expect(commercial.auth["meters"]["meters"]).toHaveLength(4)
    expect(commercial.auth["meters"]["meters"].every((m: Json) => m["status"] === "updated" && m["bill_count"] > 0)).toBe(true)

    const badlogin = await run("badlogin")
    expect(badlogin.auth).toMatchObject({ status: "errored", is_test: true })
    expect(badlogin.auth["status_message"]).toMatch(/credentials/i)
    expect(badlogin.auth["meters"]["meters"]).toEqual([])

    const badloginAfter = await run("badlogin_after")
    expect(badloginAfter.auth["status"]).toBe("updated")
    expect(badloginAfter.auth["meters"]["meters"].map((m: Json) => m["status"])).toEqual(["errored"])
    expect(badloginAfter.auth["meters"]["meters"][0]["status_message"]).toMatch(/credentials/i)

    const utilityerror = await run("utilityerror")
    expect(utilityerror.auth["status"]).toBe("errored")
    expect(utilityerror.auth["status_message"]).toMatch(/error/i)

    // The website being down is retried with backoff (5 s × 3ⁿ) before it ends in error.
    const down = await run("websitedown")
    expect(down.auth["status"]).toBe("pending")
    expect(down.auth["status_message"]).toMatch(/retrying/i)
    const retryAll = async () => {
      // Each retry waits at most an hour: move the clock two hours further for every attempt.
      for (let attempt = 1; attempt <= Jobs.MAX_ATTEMPTS; attempt++) await h.drainAhead(attempt * 2 * 3_600_000)
    }
    await retryAll()
    const downAfterRetries = await body(v2(`/authorizations/${down.uid}`))
    expect(downAfterRetries["status"]).toBe("errored")
    expect(downAfterRetries["status_message"]).toMatch(/gave up/)

    const downAfter = await run("websitedown_after")
    expect(downAfter.auth["meters"]["meters"]).toHaveLength(1)
    expect(downAfter.auth["meters"]["meters"][0]["status"]).toBe("pending")
    await retryAll()
    const downAfterMeter = await body(v2(`/meters/${downAfter.auth["meters"]["meters"][0]["uid"]}`))
    expect(downAfterMeter["status"]).toBe("errored")

    // Only test authorizations are listed under is_test=true; every one of these is.
    const tests = await body(v2("/authorizations?is_test=true"))
    expect(tests["authorizations"].every((a: Json) => a["is_test"] === true)).toBe(true)
  })

  it("scenarios run for utilities other than DEMO, under their own utility id", async () => {
    for (const utility of ["PG&E", "SMT"]) {
      const s = await testSubmit("residential", utility)
      await h.drain()
      const auth = await body(v2(`/authorizations/${s["authorization_uid"]}?include=meters`))
      expect(auth).toMatchObject({ utility, is_test: true, status: "updated" })
      expect(auth["meters"]["meters"]).toHaveLength(1)
      expect(auth["meters"]["meters"][0]["utility"]).toBe(utility)
    }
  })

  it("authorizations: patch, revoke (meters and data gone, first time kept), delete only test ones", async () => {
    const s = await testSubmit("residential")
    await h.drain()
    const uid = s["authorization_uid"] as string
    const patched = await body(v2(`/authorizations/${uid}`, { method: "PATCH", json: { nickname: "Home", is_archived: true } }))
    expect(patched).toMatchObject({ nickname: "Home", is_archived: true })
    expect((await body(v2(`/authorizations/${uid}`, { method: "PATCH", json: { utility: "SCE" } })))["error"]).toBe("invalid_param")
    expect((await body(v2(`/authorizations?is_archived=true&uids=${uid}`)))["authorizations"]).toHaveLength(1)
    const meterUid = (await body(v2(`/meters?authorizations=${uid}`)))["meters"][0]["uid"]
    await v2("/meters/historical-collection", { method: "POST", json: { meters: [meterUid] } })

    const revoked = await body(v2(`/authorizations/${uid}/revoke`, { method: "POST" }))
    expect(revoked).toMatchObject({ is_revoked: true, status: "updated" })
    expect(revoked["status_message"]).toMatch(/revoked/)
    expect(await h.drain()).toBe(0)
    expect((await body(v2(`/meters?authorizations=${uid}`)))["meters"]).toEqual([])
    expect((await v2(`/meters/${meterUid}`)).status).toBe(404)
    const again = await body(v2(`/authorizations/${uid}/revoke`, { method: "POST" }))
    expect(again["revoked"]).toBe(revoked["revoked"])

    // A real (non-test, non-DEMO) authorization cannot be deleted.
    const added = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: alice.token,
      json: { utility: "SMT", auth_type: "owner", real_name: "Jo", esiid: "123456789", meter_number: "1", rep: "Acme", email: "jo@example.com" }
    })
    const real = (await added.json()) as Json
    const refused = await v2(`/authorizations/${real["uid"]}`, { method: "DELETE" })
    expect(refused.status).toBe(403)
    expect((await refused.json())["error_description"]).toMatch(/revoke/)
    expect(await body(v2(`/authorizations/${uid}`, { method: "DELETE" }))).toEqual({ success: true })
    expect((await v2(`/authorizations/${uid}`)).status).toBe(404)
    // v1 shows the same model: the SMT account is an authorization, its services are meters.
    expect((await body(v2(`/authorizations/${real["uid"]}`)))["utility"]).toBe("SMT")
  })

  it("pages newest first, at most `limit` a page, and `next` keeps the filters", async () => {
    const f2 = await body(v2("/forms", { method: "POST", json: {} }))
    const uids: Array<string> = []
    for (let i = 0; i < 5; i++) {
      h.clock.now += 1
      uids.push((await testSubmit("badlogin", "DEMO", alice.token, f2["uid"]))["authorization_uid"])
    }
    const seen: Array<string> = []
    let url: string | null = `${H.BASE}/api/v2/authorizations?forms=${f2["uid"]}&limit=2`
    while (url !== null) {
      const res = await h.app.request(url, { headers: { Authorization: `Bearer ${alice.token}` } })
      const page = (await res.json()) as Json
      expect(page["authorizations"].length).toBeLessThanOrEqual(2)
      seen.push(...page["authorizations"].map((a: Json) => a["uid"]))
      url = page["next"]
      if (url !== null) expect(new URL(url).searchParams.get("forms")).toBe(f2["uid"])
    }
    expect(new Set(seen)).toEqual(new Set(uids))
    expect(seen).toHaveLength(5)
    expect((await body(v2(`/authorizations?after=nope`)))["error"]).toBe("invalid_param")
  })

  it("ongoing monitoring collects a never-collected meter now, then on its schedule", async () => {
    const s = await testSubmit("residential")
    await h.drain()
    const meterUid = (await body(v2(`/meters?authorizations=${s["authorization_uid"]}`)))["meters"][0]["uid"]
    const on = await body(v2("/meters/ongoing-monitoring", { method: "POST", json: { meters: [meterUid], frequency: "weekly" } }))
    expect(on).toEqual({ success: true, meters: [meterUid], frequency: "weekly" })
    await h.drain()
    const m = await body(v2(`/meters/${meterUid}`))
    expect(m).toMatchObject({ status: "updated", is_activated: true })
    expect(m["ongoing_monitoring"]["frequency"]).toBe("weekly")
    expect(Date.parse(m["ongoing_monitoring"]["next_refresh"]) - Date.now()).toBeGreaterThan(6 * 86_400_000)
  })

  it("an authorization past its expiry is marked once, with an authorization_expired event", async () => {
    const short = await body(v2("/forms", { method: "POST", json: { scope: { expires: "1d" } } }))
    const s = await testSubmit("residential", "DEMO", alice.token, short["uid"])
    await h.drain()
    const pass = () => h.run(Effect.provideService(Worker.scheduleMonitoring(), Clock.Clock, H.clockAhead(2 * 86_400_000)))
    await pass()
    await pass()
    const auth = await body(v2(`/authorizations/${s["authorization_uid"]}`))
    expect(auth["status_message"]).toBe("Authorization expired")
    const events = (await body(v2("/events?limit=1000")))["events"] as Array<Json>
    expect(events.filter((e) => e["type"] === "authorization_expired" && e["authorization_uid"] === s["authorization_uid"])).toHaveLength(1)
  })

  it("keeps the Store's streams as the source of every interval served", async () => {
    // The v2 reading count for a meter equals the Store's delivered rows (nothing dropped or duplicated by the merge).
    const s = await testSubmit("residential")
    await h.drain()
    const meterUid = (await body(v2(`/meters?authorizations=${s["authorization_uid"]}`)))["meters"][0]["uid"]
    await v2("/meters/historical-collection", { method: "POST", json: { meters: [meterUid], collection_duration: 1 } })
    await h.drain()
    const stored = await h.run(EffectStream.runCount(h.store.streamIntervals(meterUid)))
    const served = (await body(v2(`/intervals?meters=${meterUid}`)))["intervals"][0]["readings"].length
    expect(served).toBe(stored)
  })
})
