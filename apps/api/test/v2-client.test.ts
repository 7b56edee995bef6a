/**
 * A real v2 client's session, replayed: the requests the `utility-api`
 * Python package's `UtilitiesService` sends (bodies without a JSON content
 * type, export links written as `?<meter uid>`), and the shapes its models
 * decode — several of them strictly (unknown keys raise), so the key sets
 * here are exact where that package's are.
 */
import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

type Json = Record<string, any>

// Fields the client's models require (no default), and the exact key sets of its strict blocks.
const AUTHORIZATION_REQUIRED = ["created", "customer_email", "expires", "exports", "exports_list", "is_archived", "is_declined", "is_expired", "is_revoked", "is_test", "notes", "referrals", "scope", "status", "status_message", "status_ts", "uid", "user_email", "user_status", "user_uid", "utility"]
const METER_REQUIRED = ["authorization_uid", "bill_count", "bill_coverage", "bill_sources", "blocks", "created", "exports", "exports_list", "interval_count", "interval_coverage", "interval_sources", "is_activated", "is_archived", "is_expanded", "notes", "ongoing_monitoring", "status", "status_message", "status_ts", "uid", "user_email", "user_uid", "utility"]
const METER_BASE_STRICT = ["billing_account", "billing_address", "billing_contact", "meter_numbers", "service_address", "service_class", "service_identifier", "service_tariff"]
const MONITORING_STRICT = ["fixed_refresh_day", "frequency", "prepay", "next_prepay", "next_refresh"]
const BILL_REQUIRED = ["uid", "meter_uid", "authorization_uid", "created", "updated", "notes", "utility", "blocks"]
const BILL_BASE_STRICT = ["service_identifier", "service_tariff", "service_class", "service_address", "meter_numbers", "billing_contact", "billing_address", "billing_account", "bill_start_date", "bill_end_date", "bill_total_unit", "bill_statement_date", "bill_total_cost", "bill_total_volume", "bill_total_kwh"]
const LINE_ITEM_STRICT = ["name", "start", "end", "cost", "volume", "rate", "unit", "kind"]
const INTERVAL_REQUIRED = ["authorization_uid", "base", "blocks", "created", "meter_uid", "notes", "readings", "sources", "uid", "updated", "utility"]
const STATUSES = ["pending", "updated", "errored"]
const SERVICE_CLASSES = ["res-electric", "comm-electric", "electric", "res-gas", "comm-gas", "gas", "res-water", "comm_water", "water", "other", "unknown"]

const hasAll = (o: Json, keys: ReadonlyArray<string>) => expect(keys.filter((k) => !(k in o)), "missing keys").toEqual([])
const exactly = (o: Json, keys: ReadonlyArray<string>) => {
  hasAll(o, keys.filter((k) => !["bill_statement_date", "bill_total_cost", "bill_total_volume", "bill_total_kwh", "cost", "volume", "rate", "unit", "kind", "prepay", "next_prepay", "next_refresh"].includes(k)))
  expect(Object.keys(o).filter((k) => !keys.includes(k)), "keys a strict decoder refuses").toEqual([])
}
/** Python's datetime.fromisoformat (3.11+) reads these; the API's one timestamp shape. */
const isoTimestamp = (v: unknown) => expect(v).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/)

describe("a utility-api (Python) client session", async () => {
  const h = await H.make()
  const u = await h.addUser("py@example.com")
  /** `requests` with `data=json.dumps(...)` sends no Content-Type; with `json=` it sends application/json. */
  const call = (method: string, path: string, body?: { data?: unknown; json?: unknown }) =>
    h.app.request(`${H.BASE}/api/v2/${path}`, {
      method,
      headers: { Authorization: `Bearer ${u.token}`, ...(body?.json === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body.json ?? body.data) })
    })

  it("creates a form, test-submits, reads authorizations with meters, collects, reads bills, intervals and exports, deletes", async () => {
    const formRes = await call("POST", "forms")
    expect(formRes.status).toBe(200)
    const form = (await formRes.json()) as Json
    expect((await call("GET", `forms/${form["uid"]}`)).status).toBe(200)

    const submit = await call("POST", `forms/${form["uid"]}/test-submit`, { json: { utility: "DEMO", scenario: "residential" } })
    expect(submit.status).toBe(200)
    const referral = String(((await submit.json()) as Json)["referral"])
    await h.drain()

    const listing = (await (await call("GET", `authorizations?referrals=${referral}&include=meters`)).json()) as Json
    expect(Object.keys(listing).sort()).toEqual(["authorizations", "next"])
    const auth = listing["authorizations"][0] as Json
    hasAll(auth, AUTHORIZATION_REQUIRED)
    expect(STATUSES).toContain(auth["status"])
    isoTimestamp(auth["created"])
    isoTimestamp(auth["status_ts"])
    const meters = auth["meters"]["meters"] as Array<Json>
    for (const m of meters) {
      hasAll(m, METER_REQUIRED)
      exactly(m["base"], METER_BASE_STRICT)
      exactly(m["ongoing_monitoring"], MONITORING_STRICT)
      expect(SERVICE_CLASSES).toContain(m["base"]["service_class"])
      expect(STATUSES).toContain(m["status"])
    }

    const hc = await call("POST", "meters/historical-collection", { data: { meters: meters.map((m) => m["uid"]) } })
    expect(hc.status).toBe(200)
    await h.drain()
    const meter = (await (await call("GET", `meters/${meters[0]!["uid"]}`)).json()) as Json
    expect(meter["status"]).toBe("updated")

    const bills = (await (await call("GET", `bills?meters=${meter["uid"]}`)).json()) as Json
    expect(Object.keys(bills).sort()).toEqual(["bills", "next"])
    expect(bills["bills"].length).toBe(meter["bill_count"])
    for (const b of bills["bills"] as Array<Json>) {
      hasAll(b, BILL_REQUIRED)
      exactly(b["base"], BILL_BASE_STRICT)
      expect(SERVICE_CLASSES).toContain(b["base"]["service_class"])
      for (const item of b["line_items"] as Array<Json>) exactly(item, LINE_ITEM_STRICT)
      isoTimestamp(b["base"]["bill_start_date"])
    }

    const intervals = (await (await call("GET", `intervals?meters=${meter["uid"]}`)).json()) as Json
    expect(intervals["is_incomplete"]).toBe(false)
    for (const i of intervals["intervals"] as Array<Json>) {
      hasAll(i, INTERVAL_REQUIRED)
      for (const r of (i["readings"] as Array<Json>).slice(0, 50)) {
        hasAll(r, ["datapoints", "start", "end"])
        for (const d of r["datapoints"] as Array<Json>) hasAll(d, ["type", "unit", "value"])
      }
    }

    // The export links, exactly as the client writes them (two without "meters=").
    for (const path of [`files/meters_bills_csv?meters=${meter["uid"]}`, `files/intervals_csv?${meter["uid"]}`, `files/meters_lineitems_csv?meters=${meter["uid"]}`]) {
      const res = await call("GET", path)
      expect(res.status, path).toBe(200)
      expect((await res.text()).split("\n").length).toBeGreaterThan(2)
    }
    const summaries = await call("GET", `files/billing_summaries_csv?${meter["uid"]}`)
    expect(summaries.status).toBe(307)
    expect((await h.app.request(new URL(summaries.headers.get("location")!, H.BASE).toString(), { headers: { Authorization: `Bearer ${u.token}` } })).status).toBe(200)

    // delete_test_authorizations: list all, delete the test ones.
    const all = (await (await call("GET", "authorizations")).json()) as Json
    for (const a of (all["authorizations"] as Array<Json>).filter((x) => x["is_test"])) {
      expect((await call("DELETE", `authorizations/${a["uid"]}`)).status).toBe(200)
    }
    expect(((await (await call("GET", "authorizations?is_test=true")).json()) as Json)["authorizations"]).toEqual([])
  })
})
