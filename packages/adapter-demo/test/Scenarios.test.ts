import { CollectorError, TestScenario, Timestamp } from "@meterbridge/core"
import type { Collector } from "@meterbridge/core"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { serve, type Served } from "@meterbridge/testkit/serve"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DemoCollector } from "../src/index.ts"
import { DemoSandbox } from "../src/sandbox.ts"

const now = Math.floor(Date.UTC(2025, 6, 1) / 1000)
const context: Collector.AuthorizeContext = { accountUid: "a", callbackUrl: "http://127.0.0.1:9/cb", registration: "live" }
const window = { start: Timestamp.fromSeconds(now - 40 * 86_400), end: Timestamp.fromSeconds(now) }

let sandbox: DemoSandbox.Sandbox
let served: Served
let collector: Collector.Collector
beforeAll(async () => {
  sandbox = DemoSandbox.makeSandbox({ now: () => now })
  served = await serve(sandbox.app.fetch)
  collector = DemoCollector.make({ baseUrl: served.url })
})
afterAll(() => served.close())

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const error = await CollectorSuite.failureOf(effect)
  if (!(error instanceof CollectorError.CollectorError)) throw new Error(`expected a typed failure, got ${String(error)}`)
  return error
}
const grantOf = async (scenario: TestScenario.TestScenario) => {
  const auth = await Effect.runPromise(collector.authorize(DemoCollector.testAccess(scenario), context))
  if (auth._tag !== "Authorized") throw new Error("DEMO authorizes at once")
  return auth.grant
}
const login = (username: string, password = "anything") =>
  fetch(`${served.url}/api/login`, { method: "POST", body: JSON.stringify({ username, password }), headers: { "content-type": "application/json" } })

describe("DEMO test scenarios", () => {
  it("accepts the scenario username with any password, as the hosted form's username", async () => {
    for (const password of ["x", "test", "hunter2"]) {
      const auth = await Effect.runPromise(
        collector.authorize({ utility_username: "UAPI_TEST_residential", utility_password: password }, context)
      )
      expect(auth._tag).toBe("Authorized")
    }
  })

  it("accepts a scenario username without a password: core runs other utilities' test authorizations through DEMO", async () => {
    // A Green Button form has only utility_username; core hands such a test authorization to DEMO unchanged.
    const auth = await Effect.runPromise(collector.authorize({ utility_username: "UAPI_TEST_commercial" }, context))
    expect(auth._tag).toBe("Authorized")
    if (auth._tag === "Authorized") expect(await Effect.runPromise(collector.listServices(auth.grant))).toHaveLength(4)
    // An ordinary login still needs its password.
    const error = await failure(collector.authorize({ utility_username: "test" }, context))
    expect(error.reason).toBe("InvalidAccess")
  })

  it("rejects an unknown UAPI_TEST_ scenario as InvalidAccess naming every scenario", async () => {
    const error = await failure(collector.authorize({ utility_username: "UAPI_TEST_flood", utility_password: "x" }, context))
    expect(error.reason).toBe("InvalidAccess")
    for (const s of TestScenario.scenarios) expect(error.message).toContain(`UAPI_TEST_${s}`)
    // The portal itself refuses it too, with the same list, for clients other than ours.
    const response = await login("UAPI_TEST_flood")
    expect(response.status).toBe(401)
    expect(((await response.json()) as { message: string }).message).toContain("UAPI_TEST_websitedown_after")
  })

  it("commercial: four commercial meters, each collecting the kWh the dataset computes for it", async () => {
    const grant = await grantOf("commercial")
    const services = await Effect.runPromise(collector.listServices(grant))
    expect(services.map((s) => s.utility_service_id).sort()).toEqual(
      sandbox.scenarios.commercialServices.map((s) => s.utility_service_id).sort()
    )
    const totals = new Set<number>()
    for (const service of services) {
      const intervals = Array.from(await Effect.runPromise(Stream.runCollect(collector.collectIntervals(grant, service, window))))
      const own = sandbox.scenarios.commercialServices.find((s) => s.utility_service_id === service.utility_service_id)!
      let wh = 0
      for (let t = now - 40 * 86_400; t < now; t += 900) wh += sandbox.dataset.slotWh(own, t)
      const kwh = intervals.reduce((s, i) => s + i.interval_kWh!, 0)
      expect(kwh).toBeCloseTo(wh / 1000, 6)
      expect(service.utility_tariff_name).toMatch(/A6-TOU/)
      totals.add(Math.round(kwh))
    }
    expect(totals.size, "four meters, four different loads").toBe(4)
  })

  it("residential: the one residential meter", async () => {
    const services = await Effect.runPromise(collector.listServices(await grantOf("residential")))
    expect(services).toHaveLength(1)
    expect(services[0]!.utility_tariff_name).toMatch(/Residential/)
  })

  it("badlogin: the login is refused with UtilityAPI's wording", async () => {
    const error = await failure(collector.authorize(DemoCollector.testAccess("badlogin"), context))
    expect(error.reason).toBe("InvalidCredentials")
    expect(error.message).toBe("Login credentials don't seem to work.")
  })

  it("badlogin_after: meter found, then bills and intervals fail with InvalidCredentials", async () => {
    const grant = await grantOf("badlogin_after")
    const [service] = await Effect.runPromise(collector.listServices(grant))
    expect((await failure(Stream.runDrain(collector.collectBills(grant, service!, window)))).reason).toBe("InvalidCredentials")
    expect((await failure(Stream.runDrain(collector.collectIntervals(grant, service!, window)))).reason).toBe("InvalidCredentials")
  })

  it("websitedown: the portal answers 503 at login, a retryable UtilityUnavailable", async () => {
    expect((await login("UAPI_TEST_websitedown")).status).toBe(503)
    const error = await failure(collector.authorize(DemoCollector.testAccess("websitedown"), context))
    expect(error.reason).toBe("UtilityUnavailable")
    expect(error.retryable).toBe(true)
  })

  it("websitedown_after: meter found, then 503 on its data", async () => {
    const grant = await grantOf("websitedown_after")
    const [service] = await Effect.runPromise(collector.listServices(grant))
    const error = await failure(Stream.runDrain(collector.collectIntervals(grant, service!, window)))
    expect(error.reason).toBe("UtilityUnavailable")
  })

  it("utilityerror: a ProtocolError carrying what the utility said, which the state machine does not retry", async () => {
    const error = await failure(collector.authorize(DemoCollector.testAccess("utilityerror"), context))
    expect(error.reason).toBe("ProtocolError")
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/^DEMO returned an error: .*customer service/)
  })

  it("a scenario's session sees only its own meters", async () => {
    const { session } = (await (await login("UAPI_TEST_residential")).json()) as { session: string }
    const other = sandbox.scenarios.commercialServices[0]!.utility_service_id
    const response = await fetch(`${served.url}/api/services/${other}/bills?from=${now - 86_400 * 60}&to=${now}`, {
      headers: { authorization: `Bearer ${session}` }
    })
    expect(response.status).toBe(404)
  })
})
