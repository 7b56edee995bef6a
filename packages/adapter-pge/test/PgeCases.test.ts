/** PG&E behaviours beyond the shared suite: token lifecycle, throttling, overlapping collections, notifications. */
import type { Collector, CollectorError } from "@meterbridge/core"
import { notificationHandler } from "@meterbridge/greenbutton/connect/Notification"
import { playCustomer } from "@meterbridge/greenbutton/sandbox/Customer"
import * as Expected from "@meterbridge/greenbutton/sandbox/Expected"
import { serve, type Served } from "@meterbridge/testkit/serve"
import { Effect, Exit, Stream } from "effect"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgeCollector, PgeSandbox } from "../src/index.ts"

const context: Collector.AuthorizeContext = { accountUid: "a", callbackUrl: "http://127.0.0.1:9/api/oauth/callback", registration: "live" }
const us = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) * 1000

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}
const collect = <A>(s: Stream.Stream<A, CollectorError.CollectorError>) =>
  Effect.runPromise(Stream.runCollect(s)).then((c) => Array.from(c))

describe("PG&E Share My Data", () => {
  const notified: Array<ReadonlyArray<string>> = []
  let receiver: Served
  let sandbox: ReturnType<typeof PgeSandbox.makeSandbox>
  let served: Served
  let collector: Collector.Collector

  const authorize = async () => {
    const pending = await Effect.runPromise(collector.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const auth = await Effect.runPromise(collector.resumeAuthorization!(pending.grant, await playCustomer(pending.url!)))
    if (auth._tag !== "Authorized") throw new Error("expected Authorized")
    return auth.grant
  }

  beforeAll(async () => {
    receiver = await serve(notificationHandler((uris) => notified.push(uris)))
    sandbox = PgeSandbox.makeSandbox({ thirdPartyNotifyUri: receiver.url, accessTokenSeconds: 3600 })
    served = await serve(sandbox.app.fetch)
    collector = PgeCollector.make({
      baseUrl: served.url,
      clientId: PgeSandbox.SANDBOX_CLIENT_ID,
      clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET,
      timeoutMs: 5_000
    })
  })
  afterAll(async () => {
    await served.close()
    await receiver.close()
  })

  it("asks the customer to approve at PG&E, then tells the third party its data is ready", async () => {
    const pending = await Effect.runPromise(collector.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    expect(pending.message).toBe("Waiting for the customer to approve access at PG&E")
    const before = notified.length
    const grant = await authorize()
    for (let i = 0; i < 50 && notified.length === before; i++) await new Promise((r) => setTimeout(r, 10))
    expect(notified.at(-1)).toEqual([grant["subscriptionUri"]])
  })

  it("lists SAIDs with the meter, tariff and account of each service point", async () => {
    const services = await Effect.runPromise(collector.listServices(await authorize()))
    const [home] = sandbox.dataset[0]!.usagePoints
    expect(services[0]).toEqual({
      utility_service_id: home!.id,
      utility_tariff_name: home!.tariff,
      utility_service_address: home!.address,
      utility_billing_account: home!.account,
      utility_billing_contact: null,
      utility_billing_address: null,
      utility_meter_number: home!.meter
    })
    expect(services.every((s) => /^\d{10}$/.test(s.utility_service_id))).toBe(true)
  })

  it("refreshes the token after it expires and keeps collecting", async () => {
    const grant = await authorize()
    sandbox.faults.set("expired")
    sandbox.faults.set(null)
    const refreshes = () => sandbox.tokenRequests.filter((r) => r.grantType === "refresh_token").length
    const before = refreshes()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    expect(refreshes()).toBe(before + 1)
    expect(service!.utility_service_id).toBe("3000000001")
  })

  it("a revoked authorization ends in AuthorizationDenied", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    sandbox.revoke(String(grant["subscriptionUri"]).split("/").pop()!)
    const error = await failure(Stream.runDrain(collector.collectIntervals(grant, service!, { start: us(2024, 2, 1), end: us(2024, 2, 2) })))
    expect(error.reason).toBe("AuthorizationDenied")
    expect(error.retryable).toBe(false)
  })

  it("429 becomes RateLimited with PG&E's Retry-After", async () => {
    const grant = await authorize()
    sandbox.faults.set("rateLimited")
    try {
      const error = await failure(collector.listServices(grant))
      expect(error.reason).toBe("RateLimited")
      expect(error.retryAfterMs).toBe(7_000)
    } finally {
      sandbox.faults.set(null)
    }
  })

  it("collecting overlapping windows never yields an interval twice and agrees on the overlap", async () => {
    const grant = await authorize()
    const [home] = await Effect.runPromise(collector.listServices(grant))
    const key = (i: Collector.CollectedInterval) => `${i.flow}/${i.interval_start}`
    const a = await collect(collector.collectIntervals(grant, home!, { start: us(2024, 10, 20), end: us(2024, 11, 10) }))
    const b = await collect(collector.collectIntervals(grant, home!, { start: us(2024, 11, 1), end: us(2024, 11, 20) }))
    for (const list of [a, b]) expect(new Set(list.map(key)).size).toBe(list.length)
    const first = new Map(a.map((i) => [key(i), i.interval_kWh]))
    for (const i of b) if (first.has(key(i))) expect(i.interval_kWh).toBe(first.get(key(i)))
    const union = new Set([...a, ...b].map(key)).size
    const whole = { start: us(2024, 10, 20), end: us(2024, 11, 20) }
    const up = sandbox.dataset[0]!.usagePoints[0]!
    expect(union).toBe(Expected.intervals(up, whole, "delivered").count + Expected.intervals(up, whole, "received").count)
  })

  it("runs in test mode mounted under a path prefix, as the API serves sandboxes", async () => {
    const mounted = PgeSandbox.makeSandbox()
    const host = await serve(new Hono().mount("/sandbox/pge", mounted.app.fetch).fetch)
    try {
      const test = PgeCollector.make({
        baseUrl: `${host.url}/sandbox/pge`,
        clientId: PgeSandbox.SANDBOX_CLIENT_ID,
        clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET
      })
      const pending = await Effect.runPromise(test.authorize({}, context))
      if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
      expect(pending.url!.startsWith(`${host.url}/sandbox/pge/oauth/authorize?`)).toBe(true)
      const auth = await Effect.runPromise(test.resumeAuthorization!(pending.grant, await playCustomer(pending.url!)))
      if (auth._tag !== "Authorized") throw new Error("expected Authorized")
      const services = await Effect.runPromise(test.listServices(auth.grant))
      expect(services.map((s) => s.utility_service_id)).toEqual(["3000000001", "3000000002"])
    } finally {
      await host.close()
    }
  })
})
