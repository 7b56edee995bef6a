/** SMT agreements: validation, registration gating, the email confirmation, decline and expiry. */
import { Effect, Exit } from "effect"
import type { Collector, CollectorError } from "@meterbridge/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_METERS, makeSandbox } from "../src/SmtSandbox.ts"
import * as SmtCollector from "../src/SmtCollector.ts"
import { clickEmailLink, startSandbox } from "./serve.ts"

const real = DEFAULT_METERS.find((m) => !m.test && !m.solar)!
const context = (registration: "pending" | "live"): Collector.AuthorizeContext => ({
  accountUid: "acct-1",
  callbackUrl: "http://127.0.0.1:9/cb",
  registration
})
const access = (overrides: Record<string, string> = {}) => ({
  esiid: real.esiid,
  meter_number: real.meterNumber,
  rep: "10004",
  email: "jane.doe@example.com",
  ...overrides
})

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (fail?._tag !== "Fail") throw new Error("expected a typed failure, got a defect")
  return fail.error
}

let env: Awaited<ReturnType<typeof startSandbox>>
beforeAll(async () => {
  env = await startSandbox()
})
afterAll(() => env.close())

describe("access validation", () => {
  it.each([
    [{ esiid: "" }, /Missing esiid/],
    [{ email: "  " }, /Missing email/],
    [{ esiid: "1044372000000" }, /17 to 22 digits/],
    [{ esiid: "10443720000000001234567" }, /17 to 22 digits/],
    [{ esiid: "1044372000000000A" }, /is not an ESIID/],
    [{ meter_number: "12 34" }, /meter_number/],
    [{ email: "jane.example.com" }, /email "jane.example.com" is not an email address/]
  ])("refuses %j with InvalidAccess naming the field", async (bad, message) => {
    const error = await failure(env.collector().authorize(access(bad), context("live")))
    expect(error.reason).toBe("InvalidAccess")
    expect(error.message).toMatch(message)
  })

  it("accepts an ESIID pasted from SMT's CSV with its apostrophe", async () => {
    const auth = await Effect.runPromise(env.collector().authorize(access({ esiid: `'${real.esiid}` }), context("live")))
    expect(auth._tag).toBe("AwaitingCustomer")
    expect(auth.grant.esiid).toBe(real.esiid)
  })

  it("passes SMT's refusal of a meter number that does not match the ESIID back as InvalidAccess", async () => {
    const error = await failure(env.collector().authorize(access({ meter_number: "999999999" }), context("live")))
    expect(error.reason).toBe("InvalidAccess")
    expect(error.message).toMatch(/does not match/)
  })
})

describe("registration gating", () => {
  it("refuses a real ESIID while the registration is pending, saying why", async () => {
    const before = env.sandbox.agreements.all().length
    const error = await failure(env.collector().authorize(access(), context("pending")))
    expect(error.reason).toBe("RegistrationNotLive")
    expect(error.message).toBe(
      "Your Smart Meter Texas registration is not live yet: only the test ESIID 123456789 can be authorized until SMT approves it (2–4 weeks)."
    )
    expect(env.sandbox.agreements.all().length).toBe(before)
  })

  it("authorizes the test ESIID with any meter number and REP while pending, without an email", async () => {
    const sent = env.sandbox.outbox.length
    const auth = await Effect.runPromise(
      env.collector().authorize({ esiid: "123456789", meter_number: "anything1", rep: "TEST REP", email: "t@example.com" }, context("pending"))
    )
    expect(auth._tag).toBe("Authorized")
    expect(env.sandbox.outbox.length).toBe(sent)
    const services = await Effect.runPromise(env.collector().listServices(auth.grant))
    expect(services.map((s) => s.utility_service_id)).toEqual(["123456789"])
  })
})

describe("the agreement", () => {
  it("waits for the customer, then is Authorized for 12 months once the email link is clicked", async () => {
    const c = env.collector()
    const auth = await Effect.runPromise(c.authorize(access(), context("live")))
    if (auth._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    expect(auth.message).toBe("Waiting for the customer to confirm the Smart Meter Texas email sent to j***@example.com")
    const email = env.sandbox.outbox.at(-1)!
    expect(email.to).toBe("jane.doe@example.com")
    expect(auth.reference).toBe(email.agreementId)

    const pending = await failure(c.resumeAuthorization(auth.grant, undefined))
    expect(pending.reason).toBe("AuthorizationPending")
    expect(pending.message).toMatch(/j\*\*\*@example\.com/)

    await clickEmailLink(env.sandbox, auth.reference)
    const done = await Effect.runPromise(c.resumeAuthorization(auth.grant, undefined))
    expect(done._tag).toBe("Authorized")
    if (done._tag !== "Authorized") return
    const expires = new Date(done.expires! / 1000)
    const inAYear = new Date()
    inAYear.setMonth(inAYear.getMonth() + 12)
    expect(Math.abs(expires.getTime() - inAYear.getTime())).toBeLessThan(2 * 86_400_000)
  })

  it("is AuthorizationDenied when the customer declines", async () => {
    const c = env.collector()
    const auth = await Effect.runPromise(c.authorize(access(), context("live")))
    if (auth._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    await clickEmailLink(env.sandbox, auth.reference, "declineUrl")
    const error = await failure(c.resumeAuthorization(auth.grant, undefined))
    expect(error.reason).toBe("AuthorizationDenied")
    expect(error.message).toMatch(/declined/)
  })

  it("is AuthorizationDenied when the agreement expired, and collection stops with it", async () => {
    const c = env.collector()
    const auth = await Effect.runPromise(c.authorize(access(), context("live")))
    if (auth._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    await clickEmailLink(env.sandbox, auth.reference)
    const done = await Effect.runPromise(c.resumeAuthorization(auth.grant, undefined))
    // Other agreements for this ESIID from earlier tests must end too, or SMT would still share the data.
    for (const a of env.sandbox.agreements.all()) if (a.ESIID === real.esiid) env.sandbox.agreements.expire(a.agreementID)
    const error = await failure(c.resumeAuthorization(done.grant, undefined))
    expect(error.reason).toBe("AuthorizationDenied")
    expect(error.message).toMatch(/expired.*12 months/)
    const listing = await failure(c.listServices(done.grant))
    expect(listing.reason).toBe("AuthorizationDenied")
  })
})

describe("an in-process sandbox (as the API server mounts it)", () => {
  it("runs the whole agreement through app.fetch, with email links under the public base URL", async () => {
    const sandbox = makeSandbox({ publicBaseUrl: "http://localhost:3000/sandbox/smt/" })
    const base = "http://localhost:3000/sandbox/smt"
    const c = SmtCollector.make({
      baseUrl: base,
      username: sandbox.username,
      password: sandbox.password,
      requestorId: sandbox.requestorId,
      duns: sandbox.duns,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = new URL(String(input))
        url.pathname = url.pathname.replace(/^\/sandbox\/smt/, "")
        return sandbox.app.fetch(new Request(url, init))
      }) as typeof fetch
    })
    const auth = await Effect.runPromise(c.authorize(access(), context("live")))
    if (auth._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const email = sandbox.outbox.at(-1)!
    expect(email.confirmUrl).toBe(`${base}/agreements/${auth.reference}/confirm`)
    const page = await sandbox.app.fetch(new Request(email.confirmUrl.replace("/sandbox/smt", "")))
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/You have agreed to share the energy data of ESIID 10443720000000001/)
    expect((await Effect.runPromise(c.resumeAuthorization(auth.grant, undefined)))._tag).toBe("Authorized")
  })
})
