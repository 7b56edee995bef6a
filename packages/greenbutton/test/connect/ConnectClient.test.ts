import type { CollectorError } from "@meterbridge/core"
import { Clock, Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ConnectClient from "../../src/connect/ConnectClient.ts"
import { playCustomer } from "../../src/sandbox/Customer.ts"
import { makeDataCustodian } from "../../src/sandbox/DataCustodian.ts"
import { generate } from "../../src/sandbox/Dataset.ts"
import * as Clocks from "@meterbridge/testkit/clock"
import { serve, type Served } from "@meterbridge/testkit/serve"

const SCOPE = "FB=1_3_4_5_13_14;IntervalDuration=3600;BlockDuration=daily;HistoryLength=63072000"
const REDIRECT = "http://127.0.0.1:9/callback"

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}

describe("ConnectClient against the sandbox Data Custodian", () => {
  const custodian = makeDataCustodian({
    utility: "TEST",
    customers: generate({ days: 40 }),
    clientId: "third party",
    clientSecret: "s3cr3t:with+symbols",
    slowMs: 400,
    retryAfterSeconds: 12
  })
  let served: Served
  let client: ConnectClient.ConnectClient
  const configFor = (overrides: Partial<ConnectClient.ConnectConfig> = {}): ConnectClient.ConnectConfig => ({
    authorizationUrl: `${served.url}/oauth/authorize`,
    tokenUrl: `${served.url}/oauth/token`,
    resourceBaseUrl: `${served.url}/espi/1_1/resource`,
    clientId: "third party",
    clientSecret: "s3cr3t:with+symbols",
    redirectUri: REDIRECT,
    scope: SCOPE,
    timeoutMs: 2_000,
    ...overrides
  })
  const consent = async (c: ConnectClient.ConnectClient, state = "st-1") => {
    const query = await playCustomer(c.authorizationUrl(state))
    return Effect.runPromise(c.validateCallback(query, state))
  }

  beforeAll(async () => {
    served = await serve(custodian.app.fetch)
    client = ConnectClient.make(configFor())
  })
  afterAll(() => served.close())

  it("builds the authorization URL with the FB scope, redirect and state", () => {
    const url = new URL(client.authorizationUrl("abc", { login_hint: "test" }))
    expect(url.origin + url.pathname).toBe(`${served.url}/oauth/authorize`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "third party",
      redirect_uri: REDIRECT,
      scope: SCOPE,
      state: "abc",
      login_hint: "test"
    })
  })

  it("exchanges the code with client Basic auth and gets the ESPI subscription and authorization URIs", async () => {
    const before = custodian.tokenRequests.length
    const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
    const request = custodian.tokenRequests[before]!
    expect(request).toEqual({ grantType: "authorization_code", basicAuth: true })
    expect(tokens.accessToken).toMatch(/^[0-9a-f]{40}$/)
    expect(tokens.refreshToken).toMatch(/^[0-9a-f]{40}$/)
    expect(tokens.resourceUri).toMatch(new RegExp(`^${served.url}/espi/1_1/resource/Batch/Subscription/\\d+$`))
    expect(tokens.authorizationUri).toMatch(/\/espi\/1_1\/resource\/Authorization\/\d+$/)
    expect(tokens.scope).toBe(SCOPE)
    expect(tokens.expiresAt! - Date.now()).toBeGreaterThan(3_500_000)
  })

  it("counts token expiry and Retry-After dates on Effect's Clock, so moving the clock moves them", async () => {
    const t = Clocks.manual(Date.UTC(2031, 4, 6, 12))
    const at = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.provideService(e, Clock.Clock, t.clock))
    const tokens = await at(client.exchangeCode(await consent(client)))
    expect(tokens.expiresAt).toBe(t.now() + 3_600_000)

    // A Data Custodian that throttles until a fixed date: the wait shrinks as the clock moves towards it.
    const until = t.now() + 90_000
    const throttled = ConnectClient.make(configFor({
      fetch: () => Promise.resolve(new Response(null, { status: 429, headers: { "retry-after": new Date(until).toUTCString() } }))
    }))
    const waits = async () => {
      const exit = await Effect.runPromiseExit(Effect.provideService(
        Effect.zip(Effect.flip(throttled.getResource("Batch/Subscription/1", "token")), Effect.flip(throttled.refresh("r"))),
        Clock.Clock,
        t.clock
      ))
      if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
      return exit.value.map((e) => e.retryAfterMs)
    }
    expect(await waits()).toEqual([90_000, 90_000])
    t.advance(60_000)
    expect(await waits()).toEqual([30_000, 30_000])
  })

  it("a code works once: the second exchange is AuthorizationDenied", async () => {
    const callback = await consent(client)
    await Effect.runPromise(client.exchangeCode(callback))
    const error = await failure(client.exchangeCode(callback))
    expect(error.reason).toBe("AuthorizationDenied")
    expect(error.message).toContain("invalid_grant")
  })

  it("a wrong client secret is a ProtocolError naming the client, not a customer problem", async () => {
    const wrong = ConnectClient.make(configFor({ clientSecret: "nope" }))
    const error = await failure(wrong.exchangeCode(await consent(wrong)))
    expect(error.reason).toBe("ProtocolError")
    expect(error.message).toMatch(/client/)
  })

  it("refreshes: a new access token that reads the subscription, the refresh token kept", async () => {
    const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
    const refreshed = await Effect.runPromise(client.refresh(tokens.refreshToken!))
    expect(refreshed.accessToken).not.toBe(tokens.accessToken)
    expect(refreshed.refreshToken).toBe(tokens.refreshToken)
    const body = await Effect.runPromise(client.getResource(tokens.resourceUri!, refreshed.accessToken))
    expect(body).toContain("<espi:IntervalBlock>")
  })

  it("client_credentials reads ReadServiceStatus but not customer data", async () => {
    const tokens = await Effect.runPromise(client.clientCredentials())
    expect(custodian.tokenRequests.at(-1)).toEqual({ grantType: "client_credentials", basicAuth: true })
    const status = await Effect.runPromise(client.getResource("ReadServiceStatus", tokens.accessToken))
    expect(status).toContain("<currentStatus>1</currentStatus>")
    const error = await failure(client.getResource("Batch/Subscription/1", tokens.accessToken))
    expect(error.reason).toBe("AuthorizationDenied")
  })

  it("sends published-min/max as xs:dateTime and the sandbox serves only that window", async () => {
    const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
    const day = Date.UTC(2024, 0, 10, 8) // local midnight, Pacific standard time
    const body = await Effect.runPromise(
      client.getResource(tokens.resourceUri!, tokens.accessToken, { publishedMin: day, publishedMax: day + 86_400_000 })
    )
    const starts = [...body.matchAll(/<espi:interval><espi:duration>(\d+)<\/espi:duration><espi:start>(\d+)</g)].map((m) => Number(m[2]))
    // One daily block per channel (import, export, office), each starting at that local midnight.
    expect(starts).toEqual([day / 1000, day / 1000, day / 1000])
    expect(ConnectClient.resourceUrl("http://h/r", "Batch/Subscription/1", { publishedMin: day + 0.5 }).search)
      .toBe("?published-min=2024-01-10T08%3A00%3A00Z")
  })

  it("streams a subscription window through the ESPI parser", async () => {
    const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
    const min = Date.UTC(2024, 0, 3, 8), max = Date.UTC(2024, 0, 5, 8)
    const records = Array.from(await Effect.runPromise(Stream.runCollect(client.getSubscription(tokens.resourceUri!, tokens.accessToken, { publishedMin: min, publishedMax: max }))))
    const readings = records.filter((r) => r._tag === "Reading")
    // Two local days: 24 + 24 hourly readings for the home's import and export, 96 + 96 for the office.
    expect(readings).toHaveLength(2 * (24 + 24 + 96))
    expect(records.filter((r) => r._tag === "UsagePoint")).toHaveLength(2)
    custodian.faults.set("malformed")
    try {
      const error = await failure(Stream.runDrain(client.getSubscription(tokens.resourceUri!, tokens.accessToken)))
      expect(error.reason).toBe("ProtocolError")
    } finally {
      custodian.faults.set(null)
    }
  })

  it("refuses a callback whose state does not match, and reads a decline as AuthorizationDenied", async () => {
    const mismatch = await failure(client.validateCallback({ code: "x", state: "other" }, "mine"))
    expect(mismatch.reason).toBe("ProtocolError")
    const query = await playCustomer(client.authorizationUrl("s-2"), { approve: false })
    expect(query["error"]).toBe("access_denied")
    const declined = await failure(client.validateCallback(query, "s-2"))
    expect(declined.reason).toBe("AuthorizationDenied")
  })

  describe("maps faults to CollectorError reasons", () => {
    it("429 → RateLimited with the Retry-After delay", async () => {
      const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
      custodian.faults.set("rateLimited")
      try {
        const onData = await failure(client.getResource(tokens.resourceUri!, tokens.accessToken))
        expect(onData.reason).toBe("RateLimited")
        expect(onData.retryAfterMs).toBe(12_000)
        const onToken = await failure(client.refresh(tokens.refreshToken!))
        expect(onToken.reason).toBe("RateLimited")
        expect(onToken.retryAfterMs).toBe(12_000)
      } finally {
        custodian.faults.set(null)
      }
    })

    it("503 → UtilityUnavailable, on data and on the token endpoint", async () => {
      const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
      custodian.faults.set("unavailable")
      try {
        expect((await failure(client.getResource(tokens.resourceUri!, tokens.accessToken))).reason).toBe("UtilityUnavailable")
        expect((await failure(client.refresh(tokens.refreshToken!))).reason).toBe("UtilityUnavailable")
      } finally {
        custodian.faults.set(null)
      }
    })

    it("a slow answer past the timeout → UtilityUnavailable", async () => {
      const impatient = ConnectClient.make(configFor({ timeoutMs: 100 }))
      custodian.faults.set("slow")
      try {
        const error = await failure(impatient.clientCredentials())
        expect(error.reason).toBe("UtilityUnavailable")
        expect(error.message).toContain("100 ms")
      } finally {
        custodian.faults.set(null)
      }
    })

    it("a refused connection → UtilityUnavailable", async () => {
      const nowhere = ConnectClient.make(configFor({ tokenUrl: "http://127.0.0.1:9/oauth/token" }))
      expect((await failure(nowhere.clientCredentials())).reason).toBe("UtilityUnavailable")
    })

    it("a revoked authorization → AuthorizationDenied on data and on refresh", async () => {
      const tokens = await Effect.runPromise(client.exchangeCode(await consent(client)))
      custodian.revoke(tokens.resourceUri!.split("/").pop()!)
      expect((await failure(client.getResource(tokens.resourceUri!, tokens.accessToken))).reason).toBe("AuthorizationDenied")
      expect((await failure(client.refresh(tokens.refreshToken!))).reason).toBe("AuthorizationDenied")
    })

    it("an unreadable token answer → ProtocolError", async () => {
      custodian.faults.set("malformed")
      try {
        expect((await failure(client.clientCredentials())).reason).toBe("ProtocolError")
      } finally {
        custodian.faults.set(null)
      }
    })
  })
})
