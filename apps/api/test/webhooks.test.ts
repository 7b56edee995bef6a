/**
 * Events and webhooks through the API: a receiver on loopback verifies every delivery with the reference
 * `standardwebhooks` library and, independently, UtilityAPI's sha256(secret.salt.body); the retry and disable
 * schedule under a test clock; SSRF refusals; prepaid billing's 402 and its one debit per collection.
 */
import { afterEach, describe, expect, it } from "vitest"
import { Clock, Effect } from "effect"
import { Billing, Jobs, Store, Timestamp } from "@meterbridge/core"
import * as Clocks from "@meterbridge/testkit/clock"
import { Dispatcher } from "@meterbridge/webhooks"
import { type Receiver, startReceiver } from "../../../packages/webhooks/test/receiver.ts"
import * as Harness from "./harness.ts"

const receivers: Array<Receiver> = []
afterEach(async () => {
  while (receivers.length > 0) await receivers.pop()!.close()
})

type H = Harness.Harness
const json = async (res: Response) => {
  const body = await res.json() as any
  if (res.status >= 400) throw new Error(`${res.status} ${JSON.stringify(body)}`)
  return body
}

/** A webhook on a fresh loopback receiver that verifies with the secret the API returned. */
const register = async (h: H, token: string, events?: ReadonlyArray<string>, routes = {}) => {
  const created = await json(await h.request("/api/v2/webhooks", { method: "POST", token, json: { url: "http://127.0.0.1:9/placeholder", ...(events ? { events } : {}) } }))
  const receiver = await startReceiver(created.secret, routes)
  receivers.push(receiver)
  await json(await h.request(`/api/v2/webhooks/${created.uid}`, { method: "PATCH", token, json: { url: `${receiver.url}/hook` } }))
  return { uid: created.uid as string, secret: created.secret as string, receiver }
}

const deliver = (h: H) => h.run(Dispatcher.deliverDue({ fetch: globalThis.fetch, timeoutMs: 5_000 }))

/** Test-submits a DEMO form: one authorization with its meters (after the account job). */
const testSubmit = async (h: H, token: string) => {
  const form = await json(await h.request("/api/v2/forms", { method: "POST", token, json: {} }))
  const submitted = await json(await h.request(`/api/v2/forms/${form.uid}/test-submit`, { method: "POST", token, json: { utility: "DEMO", scenario: "residential" } }))
  await h.drain()
  const meters = (await json(await h.request(`/api/v2/meters?authorizations=${submitted.authorization_uid}`, { token }))).meters as Array<{ uid: string }>
  return { form: form.uid as string, authorization: submitted.authorization_uid as string, meters: meters.map((m) => m.uid) }
}

const eventsOf = (r: Receiver) => r.received.flatMap((x) => (JSON.parse(x.body.toString()) as { events: Array<any> }).events)

describe("events and webhooks", () => {
  it("delivers form, authorization, meter and collection events, each signed for both schemes, and lists them delivered", async () => {
    const h = await Harness.make()
    const { token } = await h.addUser("hooks@example.com")
    const { receiver } = await register(h, token)
    const { form, authorization, meters } = await testSubmit(h, token)
    expect(meters.length).toBeGreaterThan(0)
    await json(await h.request("/api/v2/meters/historical-collection", { method: "POST", token, json: { meters, collection_duration: 12 } }))
    await h.drain()
    while ((await deliver(h)).length > 0) { /* until nothing is due */ }

    expect(receiver.received.length).toBeGreaterThan(0)
    for (const r of receiver.received) {
      expect(r.standardValid).toBe(true)
      expect(r.utilityApiValid).toBe(true)
      // Sent as Python's indent=4 prints it: what UtilityAPI hashes.
      expect(r.body.toString()).toBe(JSON.stringify(JSON.parse(r.body.toString()), null, 4))
      expect(r.headers["webhook-id"]).toBe(JSON.parse(r.body.toString()).events[0].uid)
    }
    const got = eventsOf(receiver)
    const types = got.map((e) => e.type)
    for (const t of ["form_created", "authorization_created", "authorization_update_started", "authorization_update_finished_successful", "meter_created"]) {
      expect(types).toContain(t)
    }
    for (const m of meters) {
      const of = got.filter((e) => e.meter_uid === m).map((e) => e.type)
      for (const t of ["meter_created", "meter_historical_collection_started", "meter_bills_added", "meter_intervals_added", "meter_historical_collection_finished_successful"]) {
        expect(of).toContain(t)
      }
    }
    expect(got.find((e) => e.type === "form_created")?.form_uid).toBe(form)
    expect(got.find((e) => e.type === "authorization_created")?.authorization_uid).toBe(authorization)
    expect(got.every((e) => e.is_delivered === false && e.delivery_method === "webhook" && e.delivery_target === `${receiver.url}/hook`)).toBe(true)
    // Coalesced: one "bills added" per meter however many batches were written.
    expect(got.filter((e) => e.type === "meter_bills_added").length).toBe(meters.length)

    const listed = await json(await h.request("/api/v2/events", { token }))
    expect(listed.events.length).toBe(got.length)
    expect(listed.events.every((e: any) => e.is_delivered)).toBe(true)
    expect(listed.events.map((e: any) => e.uid).sort()).toEqual(got.map((e) => e.uid).sort())
    // Newest first, paged with `after`.
    const page = await json(await h.request("/api/v2/events?limit=2", { token }))
    expect(page.events.map((e: any) => e.uid)).toEqual(listed.events.slice(0, 2).map((e: any) => e.uid))
    const rest = await json(await h.request(page.next.replace(Harness.BASE, ""), { token }))
    expect(rest.events[0].uid).toBe(listed.events[2].uid)
    expect((await json(await h.request("/api/v2/events?is_delivered=false", { token }))).events).toEqual([])
  })

  it("PATCH is_delivered stops or restarts sending; a ping and a resend go to the endpoint; another user sees nothing", async () => {
    const h = await Harness.make()
    const { token } = await h.addUser("patch@example.com")
    const other = await h.addUser("other@example.com")
    const { uid, receiver } = await register(h, token)
    await json(await h.request(`/api/v2/webhooks/${uid}/ping`, { method: "POST", token }))
    await json(await h.request("/api/v2/forms", { method: "POST", token, json: {} }))
    const [formEvent] = (await json(await h.request("/api/v2/events?is_delivered=false", { token }))).events
    expect(formEvent.type).toBe("form_created")
    const patched = await json(await h.request(`/api/v2/events/${formEvent.uid}`, { method: "PATCH", token, json: { is_delivered: true } }))
    expect(patched.is_delivered).toBe(true)
    expect((await h.request(`/api/v2/events/${formEvent.uid}`, { method: "PATCH", token, json: { type: "ping" } })).status).toBe(400)
    expect((await h.request(`/api/v2/events/${formEvent.uid}`, { token: other.token })).status).toBe(404)
    await deliver(h)
    expect(eventsOf(receiver).map((e) => e.type)).toEqual(["ping"])

    const log = await json(await h.request(`/api/v2/webhooks/${uid}/deliveries`, { token }))
    expect(log.deliveries.map((d: any) => [d.attempt, d.status, d.is_delivered, d.reply])).toEqual([[1, 200, true, "ok"]])
    await json(await h.request(`/api/v2/webhooks/${uid}/deliveries/${log.deliveries[0].id}/resend`, { method: "POST", token }))
    await deliver(h)
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([log.deliveries[0].event_uid, log.deliveries[0].event_uid])
    expect((await json(await h.request("/api/v2/webhooks", { token: other.token }))).webhooks).toEqual([])
    expect((await h.request(`/api/v2/webhooks/${uid}`, { method: "DELETE", token: other.token })).status).toBe(404)
  })

  it("retries with backoff under a test clock, disables the endpoint after 72 h of failure with an event, and resumes when enabled", async () => {
    const h = await Harness.make()
    const { token, uid: userUid } = await h.addUser("retry@example.com")
    let failing = true
    const { uid, receiver } = await register(h, token, undefined, {
      "/hook": (_req: unknown, res: { writeHead: (s: number) => { end: (b: string) => void } }) => res.writeHead(failing ? 503 : 204).end(failing ? "down" : "")
    })
    await h.run(Store.Store.use((s) => s.appendEvents([{ type: "ping", user_uid: userUid, ts: Timestamp.fromMillis(Date.now()), webhook_uid: uid }])))
    let t = Date.now()
    const testClock = Clocks.reading(() => t, { instantSleep: true })
    const at = <A, E, R>(e: Effect.Effect<A, E, R>) => Effect.provideService(e, Clock.Clock, testClock)
    const pass = () => h.run(at(Dispatcher.deliverDue({ fetch: globalThis.fetch, random: () => 0.5 })))
    const start = t
    const gaps: Array<number> = []
    let outcome: ReadonlyArray<Dispatcher.Result> = []
    for (let i = 0; i < 100; i++) {
      outcome = await pass()
      if (outcome.includes("disabled")) break
      const [event] = await h.run(Store.Store.use((s) => s.listEvents(userUid, { limit: 1 })))
      gaps.push(Timestamp.toMillis(event!.next_attempt!) - t)
      t = Timestamp.toMillis(event!.next_attempt!)
    }
    expect(outcome).toEqual(["disabled"])
    // Exponential: each wait (jitter fixed at the midpoint) doubles until the 10 h cap; 72 h or more in all.
    expect(gaps[1]! / gaps[0]!).toBeCloseTo(((5_000 * 2 - 1000) / 2 + 1000) / ((5_000 - 1000) / 2 + 1000), 1)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(10 * 3_600_000)
    expect(t - start).toBeGreaterThanOrEqual(72 * 3_600_000)
    expect(receiver.received.length).toBe(gaps.length + 1)
    const hook = await json(await h.request(`/api/v2/webhooks/${uid}`, { token }))
    expect([hook.is_enabled, hook.disabled_reason]).toEqual([false, expect.stringContaining("failed for 7")])
    expect((await json(await h.request("/api/v2/events", { token }))).events.map((e: any) => e.type)).toContain("webhook_disabled")
    // Nothing goes out while disabled; enabled again, the waiting event is sent at once.
    expect(await pass()).toEqual([])
    failing = false
    await json(await h.request(`/api/v2/webhooks/${uid}`, { method: "PATCH", token, json: { is_enabled: true } }))
    expect(await pass()).toEqual(["delivered"])
  })

  it("counts a receiver's Retry-After date on the test clock, not the machine's", async () => {
    const h = await Harness.make()
    const { token, uid: userUid } = await h.addUser("retry-after@example.com")
    const t = Date.now() + 30 * 86_400_000 // a month ahead: the machine's clock would read the date as far off
    const until = Math.ceil(t / 1000) * 1000 + 2 * 3_600_000
    const { uid } = await register(h, token, undefined, {
      "/hook": (_req: unknown, res: { writeHead: (s: number, h: Record<string, string>) => { end: (b: string) => void } }) =>
        res.writeHead(503, { "retry-after": new Date(until).toUTCString() }).end("busy")
    })
    await h.run(Store.Store.use((s) => s.appendEvents([{ type: "ping", user_uid: userUid, ts: Timestamp.fromMillis(t), webhook_uid: uid }])))
    const testClock = Clocks.reading(() => t, { instantSleep: true })
    expect(await h.run(Effect.provideService(Dispatcher.deliverDue({ fetch: globalThis.fetch, random: () => 0.5 }), Clock.Clock, testClock)))
      .toEqual(["retry"])
    const [event] = await h.run(Store.Store.use((s) => s.listEvents(userUid, { limit: 1 })))
    expect(Timestamp.toMillis(event!.next_attempt!)).toBe(until)
  })

  it("refuses private, loopback and link-local targets in every notation unless allowed", async () => {
    const h = await Harness.make({ allowPrivate: false })
    const { token } = await h.addUser("ssrf@example.com")
    for (const url of [
      "http://127.0.0.1/", "http://10.1.2.3/", "http://192.168.0.1/", "http://169.254.169.254/latest", "http://[::1]/", "http://[fe80::1]/",
      "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://localhost/",
      "http://db.localhost/", "ftp://example.com/", "http://user:pw@example.com/", "not a url"
    ]) {
      const res = await h.request("/api/v2/webhooks", { method: "POST", token, json: { url } })
      expect([url, res.status]).toEqual([url, 400])
      expect((await res.json() as any).error).toBe("invalid_param")
    }
    expect((await h.request("/api/v2/webhooks", { method: "POST", token, json: { url: "https://hooks.example.com/x", events: ["nope"] } })).status).toBe(400)
    const ok = await h.request("/api/v2/webhooks", { method: "POST", token, json: { url: "https://hooks.example.com/x", events: ["meter_created"] } })
    expect(ok.status).toBe(201)
    expect((await ok.json() as any).secret).toMatch(/^whsec_/)
  })
})

describe("prepaid billing", () => {
  const prepaid: Billing.BillingSettings = { mode: "prepaid", pricePerCollection: 250_000, freeTest: false, freeUtilities: [] }

  it("answers 402 with nothing queued on a zero balance; after a credit it collects and debits once per collection", async () => {
    const h = await Harness.make({ billing: prepaid })
    const { token, uid: userUid } = await h.addUser("billing@example.com")
    const { meters } = await testSubmit(h, token)
    const jobsBefore = (await h.run(Store.Store.use((s) => s.listJobs))).length
    const refused = await h.request("/api/v2/meters/historical-collection", { method: "POST", token, json: { meters, collection_duration: 3 } })
    expect(refused.status).toBe(402)
    expect(await refused.json()).toEqual({ error: "payment_required", error_description: expect.stringContaining("$0.00") })
    expect((await h.request("/api/v2/meters/ongoing-monitoring", { method: "POST", token, json: { meters, frequency: "daily" } })).status).toBe(402)
    const v1 = await h.request("/api/accounts/add.json", {
      method: "POST", token, json: { utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "u", utility_password: "p" }
    })
    expect(v1.status).toBe(402)
    expect((await v1.json() as any).error).toBe("payment_required")
    expect((await h.run(Store.Store.use((s) => s.listJobs))).length).toBe(jobsBefore)
    expect((await h.run(Store.Store.use((s) => s.listAccounts(userUid)))).length).toBe(1)

    await h.run(Store.Store.use((s) => s.addLedgerEntry({ user_uid: userUid, ts: 0, amount: 1_000_000, description: "credit", ref: null })))
    await json(await h.request("/api/v2/meters/historical-collection", { method: "POST", token, json: { meters, collection_duration: 3 } }))
    // Each collection job runs twice, as after a crash between its last write and its completion: charged once.
    const jobs = await h.run(Store.Store.use((s) => s.listJobs))
    for (const job of jobs) {
      await h.run(Jobs.runJob(job))
      await h.run(Jobs.runJob(job))
    }
    await h.drain()
    const billing = await json(await h.request("/api/v2/billing", { token }))
    expect(billing.ledger.filter((l: any) => l.amount < 0).length).toBe(meters.length)
    expect(billing.balance).toBeCloseTo(1 - 0.25 * meters.length, 6)
    expect(billing.price_per_collection).toBe(0.25)
  })

  it("test authorizations and DEMO collect free with the default settings, behind the same balance gate", async () => {
    const h = await Harness.make({ billing: { ...Billing.defaults, mode: "prepaid", pricePerCollection: 250_000 } })
    const { token, uid } = await h.addUser("free@example.com")
    const { meters } = await testSubmit(h, token)
    // A prepaid account at zero asks for credit before anything runs, free or not.
    const refused = await h.request("/api/v2/meters/historical-collection", { method: "POST", token, json: { meters, collection_duration: 3 } })
    expect(refused.status).toBe(402)
    expect(await h.drain()).toBe(0)
    await h.run(h.store.addLedgerEntry({ user_uid: uid, ts: Date.now() * 1000, amount: 1_000_000, description: "credit", ref: "credit-1" }))
    await json(await h.request("/api/v2/meters/historical-collection", { method: "POST", token, json: { meters, collection_duration: 3 } }))
    await h.drain()
    const ledger = (await json(await h.request("/api/v2/billing", { token }))).ledger as Array<{ amount: number; description: string }>
    const collections = ledger.filter((l) => l.description.startsWith("Collection"))
    expect(collections.length).toBe(meters.length)
    expect(collections.every((l) => l.amount === 0 && /free: test/.test(l.description))).toBe(true)
  })
})
