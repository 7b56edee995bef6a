/**
 * The Collector conformance suite. Every adapter runs it against its own
 * sandbox over real HTTP, and the suite compares what the adapter collects
 * with what the sandbox says it serves (the back door), so a collector that
 * drops, duplicates or mis-scales data fails here.
 */
import { Effect, Exit, Stream } from "effect"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { CollectorError, TestScenario } from "@meterbridge/core"
import type { Collector, Service } from "@meterbridge/core"

type AwaitingCustomer = Extract<Collector.Authorization, { _tag: "AwaitingCustomer" }>

export type Fault = "unavailable" | "rateLimited" | "malformed"

export interface Harness {
  readonly collector: Collector.Collector
  readonly validAccess: Collector.Access
  /** Access the utility rejects; expected to fail authorization with InvalidCredentials, InvalidAccess or AuthorizationDenied. */
  readonly invalidAccess?: Collector.Access
  readonly context?: Partial<Collector.AuthorizeContext>
  /** Plays the customer in consent flows; returns the callback params for `resumeAuthorization`, or undefined to poll. */
  readonly consent?: (pending: AwaitingCustomer) => Promise<Readonly<Record<string, string>> | undefined>
  /** A window the sandbox has data for. */
  readonly window: Collector.DateWindow
  readonly expected: {
    readonly services: ReadonlyArray<{ readonly utility_service_id: string }>
    readonly bills?: (utilityServiceId: string, window: Collector.DateWindow) => { count: number; totalKWh: number }
    readonly intervals?: (
      utilityServiceId: string,
      window: Collector.DateWindow,
      flow: "delivered" | "received"
    ) => { count: number; totalKWh: number }
  }
  readonly faults: { set(fault: Fault | null): void }
  readonly close: () => Promise<void>
}

export interface Options {
  readonly name: string
  readonly setup: () => Promise<Harness>
  /** Per-test timeout; sandboxes with artificial delays may need more. */
  readonly timeoutMs?: number
}

const defaultContext: Collector.AuthorizeContext = {
  accountUid: "suite-account",
  callbackUrl: "http://127.0.0.1:9/api/oauth/callback",
  registration: "live"
}

/** The typed failure of an effect: its CollectorError, "defect" for anything else, undefined on success. */
export const failureOf = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return undefined
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error?._tag === "Fail" ? error.error : "defect"
}

/** Authorizes `access`, playing the customer if the flow needs it; fails with the first error that is not "pending". */
const authorizeWith = (h: Harness, access: Collector.Access): Effect.Effect<Collector.Grant, CollectorError.CollectorError> =>
  Effect.gen(function*() {
    const context = { ...defaultContext, ...h.context }
    let auth = yield* h.collector.authorize(access, context)
    for (let round = 0; auth._tag === "AwaitingCustomer" && round < 20; round++) {
      assert.ok(h.collector.resumeAuthorization, "a collector that awaits the customer must implement resumeAuthorization")
      const pending = auth
      const params = h.consent ? yield* Effect.promise(() => h.consent!(pending)) : undefined
      auth = yield* h.collector.resumeAuthorization!(pending.grant, params).pipe(
        Effect.catchIf(
          (e) => e.reason === "AuthorizationPending",
          () => Effect.as(Effect.sleep(50), pending)
        )
      )
    }
    assert.strictEqual(auth._tag, "Authorized", "the authorization should complete once the customer consents")
    return auth.grant
  })

/** Authorizes with the harness's valid access, playing the customer if the flow needs it. */
export const authorize = (h: Harness): Promise<Collector.Grant> => Effect.runPromise(authorizeWith(h, h.validAccess))

const typedError = (error: unknown, message: string): CollectorError.CollectorError => {
  if (!(error instanceof CollectorError.CollectorError)) {
    throw new Error(`${message}, got ${error === undefined ? "success" : String(error)}`)
  }
  return error
}

const collectAll = <A>(stream: Stream.Stream<A, CollectorError.CollectorError>) =>
  Effect.runPromise(Stream.runCollect(stream)).then((chunk) => Array.from(chunk))

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))

export const suite = (options: Options): void => {
  const timeout = options.timeoutMs ?? 30_000
  describe(`Collector conformance (${options.name})`, () => {
    let h: Harness
    let grant: Collector.Grant
    beforeAll(async () => {
      h = await options.setup()
      grant = await authorize(h)
    }, timeout)
    afterAll(async () => {
      await h?.close()
    })

    it("describes its utility completely", () => {
      const info = h.collector.info
      assert.match(info.utility, /^[A-Z&]+$/)
      assert.ok(info.name.length > 0)
      assert.ok(info.allows.length > 0)
      assert.ok(info.options.length > 0, "GET /accounts/add needs at least one access method")
      for (const set of info.options) for (const f of set) assert.ok(f.name && f.help, "every access field has a name and help")
      assert.doesNotThrow(() => new Intl.DateTimeFormat("en-US", { timeZone: info.timeZone }))
      assert.ok(info.historyDays > 0)
    })

    it("rejects access the utility refuses, with a typed reason", async () => {
      if (!h.invalidAccess) return
      const context = { ...defaultContext, ...h.context }
      let error = await failureOf(h.collector.authorize(h.invalidAccess, context))
      if (error === undefined) {
        // Consent flows learn of a refusal only when the customer acts.
        const auth = await Effect.runPromise(h.collector.authorize(h.invalidAccess, context))
        assert.strictEqual(auth._tag, "AwaitingCustomer")
        if (auth._tag === "AwaitingCustomer") {
          const params = h.consent ? await h.consent(auth) : undefined
          error = await failureOf(h.collector.resumeAuthorization!(auth.grant, params))
        }
      }
      const typed = typedError(error, "expected a typed CollectorError")
      assert.include(["InvalidCredentials", "InvalidAccess", "AuthorizationDenied"], typed.reason)
    }, timeout)

    it("lists exactly the sandbox's services, the same on every call", async () => {
      const first = await Effect.runPromise(h.collector.listServices(grant))
      const second = await Effect.runPromise(h.collector.listServices(grant))
      const ids = (list: ReadonlyArray<{ utility_service_id: string }>) => list.map((s) => s.utility_service_id).sort()
      assert.deepStrictEqual(ids(first), ids(h.expected.services))
      assert.deepStrictEqual(ids(second), ids(first))
    }, timeout)

    it("collects every bill in the window once, with the sandbox's kWh", async () => {
      if (!h.collector.info.capabilities.bills || !h.expected.bills) return
      const services = await Effect.runPromise(h.collector.listServices(grant))
      for (const service of services) {
        const bills = await collectAll(h.collector.collectBills(grant, service, h.window))
        const want = h.expected.bills(service.utility_service_id, h.window)
        assert.strictEqual(bills.length, want.count, `bill count for ${service.utility_service_id}`)
        const keys = new Set(bills.map((b) => `${b.bill_start_date}/${b.bill_end_date}`))
        assert.strictEqual(keys.size, bills.length, "no bill twice")
        const kwh = bills.reduce((s, b) => s + (b.bill_total_kWh ?? 0), 0)
        assert.ok(close(kwh, want.totalKWh), `bill kWh ${kwh} vs sandbox ${want.totalKWh}`)
        for (const b of bills) assert.ok(b.bill_end_date > b.bill_start_date, "a bill ends after it starts")
      }
    }, timeout)

    it("collects non-overlapping intervals that sum to the sandbox's totals, per flow", async () => {
      if (!h.collector.info.capabilities.intervals || !h.expected.intervals) return
      const services = await Effect.runPromise(h.collector.listServices(grant))
      for (const service of services) {
        const intervals = await collectAll(h.collector.collectIntervals(grant, service, h.window))
        for (const flow of ["delivered", "received"] as const) {
          const mine = intervals.filter((i) => i.flow === flow)
          const want = h.expected.intervals(service.utility_service_id, h.window, flow)
          assert.strictEqual(mine.length, want.count, `${flow} interval count for ${service.utility_service_id}`)
          const starts = new Set(mine.map((i) => i.interval_start))
          assert.strictEqual(starts.size, mine.length, `no ${flow} interval twice`)
          const kwh = mine.reduce((s, i) => s + (i.interval_kWh ?? 0), 0)
          assert.ok(close(kwh, want.totalKWh), `${flow} kWh ${kwh} vs sandbox ${want.totalKWh}`)
          const sorted = [...mine].sort((a, b) => a.interval_start - b.interval_start)
          for (let i = 0; i < sorted.length; i++) {
            assert.ok(sorted[i]!.interval_end > sorted[i]!.interval_start, "an interval ends after it starts")
            if (i > 0) assert.ok(sorted[i]!.interval_start >= sorted[i - 1]!.interval_end, "intervals do not overlap")
          }
        }
      }
    }, timeout)

    it("collecting the same window twice gives the same intervals", async () => {
      if (!h.collector.info.capabilities.intervals) return
      const [service] = await Effect.runPromise(h.collector.listServices(grant))
      if (!service) return
      const key = (i: Collector.CollectedInterval) => `${i.flow}/${i.interval_start}/${i.interval_kWh}`
      const a = (await collectAll(h.collector.collectIntervals(grant, service, h.window))).map(key).sort()
      const b = (await collectAll(h.collector.collectIntervals(grant, service, h.window))).map(key).sort()
      assert.deepStrictEqual(a, b)
    }, timeout)

    const faultCase = (fault: Fault, reasons: ReadonlyArray<CollectorError.CollectorErrorReason>) =>
      it(`maps a utility fault "${fault}" to ${reasons.join(" or ")}`, async () => {
        h.faults.set(fault)
        try {
          const error = await failureOf(
            Effect.gen(function*() {
              const services = yield* h.collector.listServices(grant)
              const service = services[0]
              if (service && h.collector.info.capabilities.intervals) {
                yield* Stream.runDrain(h.collector.collectIntervals(grant, service, h.window))
              }
            })
          )
          const typed = typedError(error, `fault ${fault} should fail with a typed CollectorError`)
          assert.include(reasons, typed.reason)
          if (typed.reason === "UtilityUnavailable" || typed.reason === "RateLimited") assert.isTrue(typed.retryable)
        } finally {
          h.faults.set(null)
        }
      }, timeout)
    faultCase("unavailable", ["UtilityUnavailable"])
    faultCase("rateLimited", ["RateLimited"])
    faultCase("malformed", ["ProtocolError", "UtilityUnavailable"])

    describe("test scenarios (Collector.testAccess)", () => {
      const scenarioCase = (scenario: TestScenario.TestScenario, run: (access: Collector.Access) => Promise<void>) =>
        it(`${scenario}: ${TestScenario.describe[scenario]}`, async () => {
          if (!h.collector.testAccess) return
          await run(h.collector.testAccess(scenario))
        }, timeout)

      /** Every service's bills and intervals in the harness window: some data, or the first typed failure. */
      const collectEach = (grant: Collector.Grant, services: ReadonlyArray<Service.ServiceDetails>) =>
        Effect.forEach(services, (service) =>
          Effect.gen(function*() {
            const bills = h.collector.info.capabilities.bills
              ? (yield* Stream.runCollect(h.collector.collectBills(grant, service, h.window))).length
              : undefined
            const intervals = h.collector.info.capabilities.intervals
              ? (yield* Stream.runCollect(h.collector.collectIntervals(grant, service, h.window))).length
              : undefined
            return { bills, intervals }
          }))

      const meters = (scenario: TestScenario.TestScenario, count: number) =>
        scenarioCase(scenario, async (access) => {
          const grant = await Effect.runPromise(authorizeWith(h, access))
          const services = await Effect.runPromise(h.collector.listServices(grant))
          assert.strictEqual(services.length, count, `${scenario} finds ${count} meter(s)`)
          assert.strictEqual(new Set(services.map((s) => s.utility_service_id)).size, count, "distinct meters")
          for (const got of await Effect.runPromise(collectEach(grant, services))) {
            if (got.bills !== undefined) assert.ok(got.bills > 0, "each meter has bills in the window")
            if (got.intervals !== undefined) assert.ok(got.intervals > 0, "each meter has intervals in the window")
          }
        })

      const failsToAuthorize = (scenario: TestScenario.TestScenario, reason: CollectorError.CollectorErrorReason) =>
        scenarioCase(scenario, async (access) => {
          const typed = typedError(await failureOf(authorizeWith(h, access)), `${scenario} should fail to authorize`)
          assert.strictEqual(typed.reason, reason, typed.message)
        })

      const failsAfter = (scenario: TestScenario.TestScenario, reason: CollectorError.CollectorErrorReason) =>
        scenarioCase(scenario, async (access) => {
          const grant = await Effect.runPromise(authorizeWith(h, access))
          const services = await Effect.runPromise(h.collector.listServices(grant))
          assert.strictEqual(services.length, 1, `${scenario} finds the meter first`)
          const typed = typedError(await failureOf(collectEach(grant, services)), `${scenario} should fail on data collection`)
          assert.strictEqual(typed.reason, reason, typed.message)
        })

      // A Record over the literal union: a scenario added to core does not compile until the suite knows it.
      const cases: Record<TestScenario.TestScenario, (scenario: TestScenario.TestScenario) => void> = {
        residential: (s) => meters(s, 1),
        commercial: (s) => meters(s, 4),
        badlogin: (s) => failsToAuthorize(s, "InvalidCredentials"),
        badlogin_after: (s) => failsAfter(s, "InvalidCredentials"),
        websitedown: (s) => failsToAuthorize(s, "UtilityUnavailable"),
        websitedown_after: (s) => failsAfter(s, "UtilityUnavailable"),
        // An error the state machine stops on at once: neither retryable nor the customer's to fix.
        utilityerror: (s) => failsToAuthorize(s, "ProtocolError")
      }
      for (const scenario of TestScenario.scenarios) cases[scenario](scenario)
    })
  })
}
