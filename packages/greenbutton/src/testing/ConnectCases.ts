/**
 * Behaviours every Green Button Connect adapter shares beyond the Collector
 * suite: token refresh after expiry, revocation, throttling with the
 * utility's Retry-After, and overlapping collections. An adapter's test file
 * calls `connectCases(...)` and keeps only its own quirks.
 */
import type { Collector, CollectorError } from "@meterbridge/core"
import type * as CollectorSuite from "@meterbridge/testkit/collector"
import { serve, type Served } from "@meterbridge/testkit/serve"
import { Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { playCustomer } from "../sandbox/Customer.ts"
import type { SandboxUsagePoint } from "../sandbox/Dataset.ts"
import type { DataCustodian } from "../sandbox/DataCustodian.ts"
import * as Expected from "../sandbox/Expected.ts"

const context: Collector.AuthorizeContext = { accountUid: "a", callbackUrl: "http://127.0.0.1:9/api/oauth/callback", registration: "live" }

/** Epoch microseconds of a UTC calendar day. */
export const us = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) * 1000

export const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}

export const collect = <A>(s: Stream.Stream<A, CollectorError.CollectorError>) =>
  Effect.runPromise(Stream.runCollect(s)).then((c) => Array.from(c))

export interface ConnectHarness {
  readonly sandbox: DataCustodian
  readonly collector: Collector.Collector
  /** Where the sandbox listens, for tests that read its raw wire format. */
  readonly baseUrl: string
  /** Authorizes as the sandbox's test customer and returns the grant. */
  readonly authorize: () => Promise<Collector.Grant>
}

/** Serves the sandbox on loopback for the enclosing `describe` and points a collector at it. */
export const useConnectSandbox = (options: {
  readonly makeSandbox: () => DataCustodian
  readonly makeCollector: (baseUrl: string) => Collector.Collector
}): ConnectHarness => {
  let sandbox: DataCustodian | undefined
  let collector: Collector.Collector | undefined
  let served: Served | undefined
  beforeAll(async () => {
    sandbox = options.makeSandbox()
    served = await serve(sandbox.app.fetch)
    collector = options.makeCollector(served.url)
  })
  afterAll(async () => {
    await served?.close()
  })
  const harness: ConnectHarness = {
    get sandbox() {
      return sandbox!
    },
    get collector() {
      return collector!
    },
    get baseUrl() {
      return served!.url
    },
    authorize: async () => {
      const pending = await Effect.runPromise(harness.collector.authorize({}, context))
      if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
      const auth = await Effect.runPromise(harness.collector.resumeAuthorization!(pending.grant, await playCustomer(pending.url!)))
      if (auth._tag !== "Authorized") throw new Error("expected Authorized")
      return auth.grant
    }
  }
  return harness
}

export const connectCases = (h: ConnectHarness, options: {
  /** The utility's name in test titles, e.g. "SCE". */
  readonly utility: string
  /** What the sandbox's rate-limit fault asks clients to wait. */
  readonly retryAfterMs: number
}): void => {
  it("refreshes the token after it expires and keeps collecting", async () => {
    const grant = await h.authorize()
    const [expected] = await Effect.runPromise(h.collector.listServices(grant))
    h.sandbox.faults.set("expired")
    h.sandbox.faults.set(null)
    const refreshes = () => h.sandbox.tokenRequests.filter((r) => r.grantType === "refresh_token").length
    const before = refreshes()
    const [service] = await Effect.runPromise(h.collector.listServices(grant))
    expect(refreshes()).toBe(before + 1)
    expect(service!.utility_service_id).toBe(expected!.utility_service_id)
  })

  it("a revoked authorization ends in AuthorizationDenied", async () => {
    const grant = await h.authorize()
    const [service] = await Effect.runPromise(h.collector.listServices(grant))
    h.sandbox.revoke(String(grant["subscriptionUri"]).split("/").pop()!)
    const error = await failure(Stream.runDrain(h.collector.collectIntervals(grant, service!, { start: us(2024, 2, 1), end: us(2024, 2, 2) })))
    expect(error.reason).toBe("AuthorizationDenied")
    expect(error.retryable).toBe(false)
  })

  it(`429 becomes RateLimited with ${options.utility}'s Retry-After`, async () => {
    const grant = await h.authorize()
    h.sandbox.faults.set("rateLimited")
    try {
      const error = await failure(h.collector.listServices(grant))
      expect(error.reason).toBe("RateLimited")
      expect(error.retryAfterMs).toBe(options.retryAfterMs)
    } finally {
      h.sandbox.faults.set(null)
    }
  })

  it("collecting overlapping windows never yields an interval twice and agrees on the overlap", async () => {
    const grant = await h.authorize()
    const [home] = await Effect.runPromise(h.collector.listServices(grant))
    const key = (i: Collector.CollectedInterval) => `${i.flow}/${i.interval_start}`
    const a = await collect(h.collector.collectIntervals(grant, home!, { start: us(2024, 10, 20), end: us(2024, 11, 10) }))
    const b = await collect(h.collector.collectIntervals(grant, home!, { start: us(2024, 11, 1), end: us(2024, 11, 20) }))
    for (const list of [a, b]) expect(new Set(list.map(key)).size).toBe(list.length)
    const first = new Map(a.map((i) => [key(i), i.interval_kWh]))
    for (const i of b) if (first.has(key(i))) expect(i.interval_kWh).toBe(first.get(key(i)))
    const union = new Set([...a, ...b].map(key)).size
    const whole = { start: us(2024, 10, 20), end: us(2024, 11, 20) }
    const up = h.sandbox.dataset[0]!.usagePoints[0]!
    expect(union).toBe(Expected.intervals(up, whole, "delivered").count + Expected.intervals(up, whole, "received").count)
  })
}

/**
 * The shared Collector suite's harness for a Green Button Connect adapter:
 * its sandbox on loopback, consent played on the sandbox's page, and the
 * expected figures read from the sandbox's own dataset.
 */
export const suiteHarness = async (options: {
  readonly makeSandbox: () => DataCustodian
  readonly makeCollector: (baseUrl: string) => Collector.Collector
  /** How the utility names a service from its UsagePoint (SAID, `{account}-{meter}` …). */
  readonly serviceId: (usagePoint: SandboxUsagePoint) => string
  readonly window: Collector.DateWindow
}): Promise<CollectorSuite.Harness> => {
  const sandbox = options.makeSandbox()
  const served = await serve(sandbox.app.fetch)
  const customers = sandbox.dataset
  return {
    collector: options.makeCollector(served.url),
    validAccess: {},
    // The customer named by the hint does not exist, so at the consent page they decline.
    invalidAccess: { utility_username: "nobody" },
    consent: (pending) => {
      const hint = new URL(pending.url!).searchParams.get("login_hint")
      return playCustomer(pending.url!, { approve: hint === null || customers.some((c) => c.username === hint) })
    },
    window: options.window,
    expected: {
      services: customers.flatMap((c) => c.usagePoints.map((up) => ({ utility_service_id: options.serviceId(up) }))),
      bills: (id, w) => Expected.bills(Expected.usagePoint(customers, id, options.serviceId), w),
      intervals: (id, w, flow) => Expected.intervals(Expected.usagePoint(customers, id, options.serviceId), w, flow)
    },
    faults: sandbox.faults,
    close: served.close
  }
}
