import type { Collector, CollectorError } from "@meterbridge/core"
import { Clock, Effect, Exit, Stream } from "effect"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ConnectProfile, makeConnectCollector, qualityOf, slices } from "../../src/connect/ConnectCollector.ts"
import * as ConnectClient from "../../src/connect/ConnectClient.ts"
import { notificationHandler } from "../../src/connect/Notification.ts"
import { parseEspi } from "../../src/Espi.ts"
import { playCustomer } from "../../src/sandbox/Customer.ts"
import { makeDataCustodian } from "../../src/sandbox/DataCustodian.ts"
import { generate } from "../../src/sandbox/Dataset.ts"
import * as Expected from "../../src/sandbox/Expected.ts"
import * as Clocks from "@meterbridge/testkit/clock"
import { serve, type Served } from "@meterbridge/testkit/serve"

const profile: ConnectProfile = {
  info: {
    utility: "TEST",
    name: "Test Utility",
    allows: ["owner"],
    login: "green_button_connect",
    options: [[], [{ name: "utility_username", type: "text", help: "hint" }]],
    timeZone: "America/Los_Angeles",
    capabilities: { bills: true, intervals: true },
    historyDays: 730
  },
  endpoints: { authorizationUrl: "https://unused.invalid/a", tokenUrl: "https://unused.invalid/t", resourceBaseUrl: "https://unused.invalid/r" },
  scope: "FB=1_3_4_5_13_14;IntervalDuration=900_3600;BlockDuration=daily;HistoryLength=63072000",
  serviceId: (up) => up.id
}
const context: Collector.AuthorizeContext = { accountUid: "acct", callbackUrl: "http://127.0.0.1:9/cb", registration: "live" }
const us = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) * 1000

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}
const collect = <A>(s: Stream.Stream<A, CollectorError.CollectorError>) =>
  Effect.runPromise(Stream.runCollect(s)).then((c) => Array.from(c))

describe("makeConnectCollector against the sandbox Data Custodian", () => {
  const customers = generate({ from: "2024-01-01", days: 120, seed: 5 })
  const custodian = makeDataCustodian({ utility: "TEST", customers, clientId: "cid", clientSecret: "secret", accessTokenSeconds: 3600 })
  let served: Served
  let requests = 0
  let failOnRequest: number | undefined
  const countingFetch: typeof fetch = async (input, init) => {
    requests++
    if (requests === failOnRequest) custodian.faults.set("unavailable")
    try {
      return await fetch(input, init)
    } finally {
      if (requests === failOnRequest) custodian.faults.set(null)
    }
  }
  let collector: Collector.Collector
  const authorize = async (c = collector, clock?: Clock.Clock) => {
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(clock === undefined ? e : Effect.provideService(e, Clock.Clock, clock))
    const pending = await run(c.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const auth = await run(c.resumeAuthorization!(pending.grant, await playCustomer(pending.url!)))
    if (auth._tag !== "Authorized") throw new Error("expected Authorized")
    return auth.grant
  }
  const home = customers[0]!.usagePoints[0]!

  beforeAll(async () => {
    served = await serve(custodian.app.fetch)
    collector = makeConnectCollector(profile, {
      baseUrl: served.url, clientId: "cid", clientSecret: "secret", fetch: countingFetch, timeoutMs: 3000
    })
  })
  afterAll(() => served.close())

  it("authorize names the customer's task and hands out a fresh state each time", async () => {
    const a = await Effect.runPromise(collector.authorize({ utility_username: "test" }, context))
    const b = await Effect.runPromise(collector.authorize({}, context))
    if (a._tag !== "AwaitingCustomer" || b._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    expect(a.message).toBe("Waiting for the customer to approve access at TEST")
    expect(a.reference).not.toBe(b.reference)
    expect(new URL(a.url!).searchParams.get("state")).toBe(a.reference)
    expect(new URL(a.url!).searchParams.get("login_hint")).toBe("test")
    expect(new URL(a.url!).searchParams.get("redirect_uri")).toBe(context.callbackUrl)
  })

  it("rejects access fields it does not take, and a blank hint, as InvalidAccess", async () => {
    expect((await failure(collector.authorize({ password: "x" }, context))).reason).toBe("InvalidAccess")
    expect((await failure(collector.authorize({ utility_username: "  " }, context))).reason).toBe("InvalidAccess")
  })

  it("without the callback the authorization is still pending", async () => {
    const pending = await Effect.runPromise(collector.authorize({}, context))
    expect((await failure(collector.resumeAuthorization!(pending.grant, undefined))).reason).toBe("AuthorizationPending")
  })

  it("refreshes an expired access token once and carries on", async () => {
    const grant = await authorize()
    custodian.faults.set("expired")
    custodian.faults.set(null)
    const refreshesBefore = custodian.tokenRequests.filter((r) => r.grantType === "refresh_token").length
    const services = await Effect.runPromise(collector.listServices(grant))
    expect(services.map((s) => s.utility_service_id)).toEqual(customers[0]!.usagePoints.map((u) => u.id))
    expect(custodian.tokenRequests.filter((r) => r.grantType === "refresh_token").length).toBe(refreshesBefore + 1)
  })

  it("a collection over many slices refreshes an expired token once, not per request", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    custodian.faults.set("expired")
    custodian.faults.set(null)
    const refreshes = () => custodian.tokenRequests.filter((r) => r.grantType === "refresh_token").length
    const before = refreshes()
    const window = { start: us(2024, 1, 1), end: us(2024, 4, 1) }
    const intervals = await collect(collector.collectIntervals(grant, service!, window))
    expect(refreshes()).toBe(before + 1)
    expect(intervals.filter((i) => i.flow === "delivered")).toHaveLength(Expected.intervals(home, window, "delivered").count)
  })

  it("refreshes ahead of expiry by Effect's Clock: moving the clock near the token's end makes the next call refresh", async () => {
    // The custodian keeps real time, so it never refuses the token: any refresh here is the collector's own decision.
    const t = Clocks.manual(Date.UTC(2031, 4, 6, 12))
    const at = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.provideService(e, Clock.Clock, t.clock))
    const grant = await authorize(collector, t.clock)
    const refreshes = () => custodian.tokenRequests.filter((r) => r.grantType === "refresh_token").length
    const before = refreshes()
    await at(collector.listServices(grant))
    expect(refreshes()).toBe(before)
    t.advance(3_600_000 - 30_000) // inside the default 60 s margin before the hour-long token lapses
    await at(collector.listServices(grant))
    expect(refreshes()).toBe(before + 1)
  })

  it("refreshGrant swaps the access token and keeps the subscription", async () => {
    const grant = await authorize()
    const next = await Effect.runPromise(collector.refreshGrant!(grant))
    expect(next["accessToken"]).not.toBe(grant["accessToken"])
    expect(next["subscriptionUri"]).toBe(grant["subscriptionUri"])
    expect(next["refreshToken"]).toBe(grant["refreshToken"])
  })

  it("a revoked authorization is AuthorizationDenied, even after trying a refresh", async () => {
    const grant = await authorize()
    custodian.revoke(String(grant["subscriptionUri"]).split("/").pop()!)
    expect((await failure(collector.listServices(grant))).reason).toBe("AuthorizationDenied")
    expect((await failure(collector.refreshGrant!(grant))).reason).toBe("AuthorizationDenied")
  })

  it("an unreadable feed is a ProtocolError", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    custodian.faults.set("malformed")
    try {
      const error = await failure(Stream.runDrain(collector.collectIntervals(grant, service!, { start: us(2024, 2, 1), end: us(2024, 2, 3) })))
      expect(error.reason).toBe("ProtocolError")
    } finally {
      custodian.faults.set(null)
    }
  })

  it("a fault in the middle of a collection fails it typed; collecting again loses and repeats nothing", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    const window = { start: us(2024, 1, 5), end: us(2024, 4, 20) } // four 31-day slices
    failOnRequest = requests + 3 // usage-point lookup, slice 1, then slice 2 fails
    const error = await failure(Stream.runDrain(collector.collectIntervals(grant, service!, window)))
    expect(error.reason).toBe("UtilityUnavailable")
    expect(error.retryable).toBe(true)
    failOnRequest = undefined
    const intervals = await collect(collector.collectIntervals(grant, service!, window))
    for (const flow of ["delivered", "received"] as const) {
      const mine = intervals.filter((i) => i.flow === flow)
      const want = Expected.intervals(home, window, flow)
      expect(mine.length).toBe(want.count)
      expect(new Set(mine.map((i) => i.interval_start)).size).toBe(mine.length)
      expect(mine.reduce((s, i) => s + i.interval_kWh!, 0)).toBeCloseTo(want.totalKWh, 6)
    }
  })

  it("overlapping windows agree on the overlap and the union has each interval once", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    const a = await collect(collector.collectIntervals(grant, service!, { start: us(2024, 3, 1), end: us(2024, 3, 20) }))
    const b = await collect(collector.collectIntervals(grant, service!, { start: us(2024, 3, 10), end: us(2024, 3, 31) }))
    const key = (i: Collector.CollectedInterval) => `${i.flow}/${i.interval_start}`
    const byKey = new Map(a.map((i) => [key(i), i.interval_kWh]))
    let shared = 0
    for (const i of b) {
      if (byKey.has(key(i))) {
        shared++
        expect(i.interval_kWh).toBe(byKey.get(key(i)))
      }
    }
    const overlapWindow = { start: us(2024, 3, 10), end: us(2024, 3, 20) }
    expect(shared).toBe(Expected.intervals(home, overlapWindow, "delivered").count + Expected.intervals(home, overlapWindow, "received").count)
    const union = new Set([...a, ...b].map(key))
    const whole = { start: us(2024, 3, 1), end: us(2024, 3, 31) }
    expect(union.size).toBe(Expected.intervals(home, whole, "delivered").count + Expected.intervals(home, whole, "received").count)
  })

  it("keeps DST days whole: 23 and 25 local hours of hourly readings", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    const springDay = { start: Date.UTC(2024, 2, 10, 8) * 1000, end: Date.UTC(2024, 2, 11, 7) * 1000 }
    const spring = await collect(collector.collectIntervals(grant, service!, springDay))
    expect(spring.filter((i) => i.flow === "delivered")).toHaveLength(23)
    expect(spring.every((i) => i.interval_end - i.interval_start === 3_600_000_000)).toBe(true)
  })

  it("bills carry the UsageSummary's total, kWh and line items that add up to it", async () => {
    const grant = await authorize()
    const [service] = await Effect.runPromise(collector.listServices(grant))
    const window = { start: us(2024, 1, 1), end: us(2024, 5, 1) }
    const bills = await collect(collector.collectBills(grant, service!, window))
    const want = home.bills.filter((b) => b.start * 1e6 < window.end && (b.start + b.duration) * 1e6 > window.start)
    expect(bills.map((b) => b.bill_start_date).sort()).toEqual(want.map((b) => b.start * 1e6).sort())
    for (const bill of bills) {
      const source = want.find((b) => b.start * 1e6 === bill.bill_start_date)!
      expect(bill.bill_total).toBeCloseTo(source.totalCents / 100, 6)
      expect(bill.bill_total_kWh).toBeCloseTo(source.kWh, 6)
      expect(bill.bill_statement_date).toBe(source.statementDate * 1e6)
      const items = bill.bill_breakdown!.line_items
      expect(items.map((li) => li.name)).toEqual(["Energy Charge", "Customer Charge", "Utility Users' Tax"])
      expect(items.reduce((s, li) => s + li.cost, 0)).toBeCloseTo(bill.bill_total!, 6)
    }
  })

  it("a Notification BatchList makes the third party fetch the named subscription", async () => {
    const grant = await authorize()
    const fetched: Array<{ uri: string; readings: number }> = []
    let done: () => void = () => undefined
    const finished = new Promise<void>((r) => (done = r))
    const client = ConnectClient.make({
      authorizationUrl: `${served.url}/oauth/authorize`,
      tokenUrl: `${served.url}/oauth/token`,
      resourceBaseUrl: `${served.url}/espi/1_1/resource`,
      clientId: "cid",
      clientSecret: "secret",
      redirectUri: context.callbackUrl,
      scope: profile.scope
    })
    const thirdParty = new Hono().post("/espi/1_1/Notification", (c) =>
      notificationHandler(async (uris) => {
        for (const uri of uris) {
          const response = await Effect.runPromise(client.get(uri, String(grant["accessToken"]), {
            publishedMin: Date.UTC(2024, 0, 1),
            publishedMax: Date.UTC(2024, 0, 2)
          }))
          let readings = 0
          for await (const r of parseEspi(response.body as unknown as AsyncIterable<Uint8Array>)) if (r._tag === "Reading") readings++
          fetched.push({ uri, readings })
        }
        done()
      })(c.req.raw))
    const receiver = await serve(thirdParty.fetch)
    try {
      const notifying = makeDataCustodian({ utility: "TEST", customers, clientId: "cid", clientSecret: "secret", thirdPartyNotifyUri: `${receiver.url}/espi/1_1/Notification` })
      // A second custodian configured with the receiver's URI posts the BatchList naming the first one's subscription.
      const status = await notifying.notify(served.url, [String(grant["subscriptionUri"]).split("/").pop()!])
      expect(status).toBe(200)
      await finished
      expect(fetched).toHaveLength(1)
      expect(fetched[0]!.uri).toBe(grant["subscriptionUri"])
      // One local day of the home (24 import + 24 export) and the office (96): read from the dataset, not the feed.
      const day = { start: Date.UTC(2024, 0, 1, 8) * 1000, end: Date.UTC(2024, 0, 2, 8) * 1000 }
      const want = customers[0]!.usagePoints.flatMap((up) => (["delivered", "received"] as const).map((f) => Expected.intervals(up, day, f).count))
      expect(fetched[0]!.readings).toBe(want.reduce((a, b) => a + b, 0))
    } finally {
      await receiver.close()
    }
  })

  it("slices windows into published ranges and maps ESPI quality codes", () => {
    expect(slices({ start: 0, end: 40 * 86_400_000_000 }, 31)).toEqual([
      { start: 0, end: 31 * 86_400_000_000 },
      { start: 31 * 86_400_000_000, end: 40 * 86_400_000_000 }
    ])
    expect([undefined, "0", "8", "7", "10,8", "11", "17"].map(qualityOf))
      .toEqual(["actual", "actual", "estimated", "edited", "questionable", "derived", "actual"])
  })
})
