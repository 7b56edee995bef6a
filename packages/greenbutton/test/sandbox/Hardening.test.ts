/** In test mode the Data Custodian sandbox is public: no open redirect, and no table grows without bound. */
import { describe, expect, it } from "vitest"
import { makeDataCustodian, MAX_ENTRIES } from "../../src/sandbox/DataCustodian.ts"
import { generate } from "../../src/sandbox/Dataset.ts"

const SCOPE = "FB=1_3_4_5;IntervalDuration=3600;BlockDuration=daily;HistoryLength=86400"
const basic = `Basic ${btoa("cid:secret")}`

const make = (extra: Partial<Parameters<typeof makeDataCustodian>[0]> = {}) =>
  makeDataCustodian({ utility: "TEST", customers: generate({ days: 1 }), clientId: "cid", clientSecret: "secret", ...extra })

const consent = (dc: ReturnType<typeof make>, redirectUri: string, origin = "http://localhost") =>
  dc.app.request(`${origin}/oauth/authorize`, {
    method: "POST",
    body: new URLSearchParams({ client_id: "cid", redirect_uri: redirectUri, scope: SCOPE, state: "s", username: "test", decision: "approve" })
  })
const open = (dc: ReturnType<typeof make>, redirectUri: string, origin = "http://localhost", extra: Record<string, string> = {}) =>
  dc.app.request(
    `${origin}/oauth/authorize?${new URLSearchParams({ response_type: "code", client_id: "cid", redirect_uri: redirectUri, scope: SCOPE, state: "s", ...extra })}`
  )

describe("Data Custodian sandbox: redirects", () => {
  it("unconfigured, it never sends the browser to a third site, whatever the step", async () => {
    const dc = make({ publicBaseUrl: "https://meterbridge.example/sandbox/pge" })
    const evil = "https://evil.example/steal"
    for (const r of [
      await open(dc, evil),
      await open(dc, evil, "http://localhost", { response_type: "token" }), // the error bounce
      await open(dc, evil, "http://localhost", { scope: "nonsense" }),
      await consent(dc, evil)
    ]) {
      expect(r.status).toBe(400)
      expect(r.headers.get("location")).toBeNull()
      expect(await r.text()).toContain("is not registered")
    }
  })

  it("unconfigured, it redirects to its own origin (the API that mounts it) and to loopback", async () => {
    const dc = make({ publicBaseUrl: "https://meterbridge.example/sandbox/pge" })
    const own = await consent(dc, "https://meterbridge.example/api/oauth/callback")
    expect(new URL(own.headers.get("location")!).origin).toBe("https://meterbridge.example")
    const loopback = await consent(dc, "http://127.0.0.1:9/cb")
    expect(loopback.status).toBe(302)
    // A look-alike host is another site.
    expect((await consent(dc, "https://meterbridge.example.evil.example/cb")).status).toBe(400)
  })

  it("with registered redirect URIs, only an exact match is redirected to", async () => {
    const dc = make({ redirectUris: ["https://app.example/cb"] })
    expect((await consent(dc, "https://app.example/cb")).status).toBe(302)
    for (const near of ["https://app.example/cb/", "https://app.example/cb?x=1", "https://app.example/cb2", "http://127.0.0.1:9/cb"]) {
      const r = await consent(dc, near)
      expect(r.status, near).toBe(400)
      expect(r.headers.get("location")).toBeNull()
    }
  })
})

describe("Data Custodian sandbox: bounded state", () => {
  it("keeps at most MAX_ENTRIES access tokens, dropping the oldest, and a bounded log of token requests", async () => {
    const dc = make()
    const token = async () => {
      const r = await dc.app.request("/oauth/token", {
        method: "POST",
        headers: { authorization: basic },
        body: new URLSearchParams({ grant_type: "client_credentials" })
      })
      return ((await r.json()) as { access_token: string }).access_token
    }
    const status = async (t: string) =>
      (await dc.app.request("/espi/1_1/resource/ReadServiceStatus", { headers: { authorization: `Bearer ${t}` } })).status
    const first = await token()
    expect(await status(first)).toBe(200)
    for (let i = 0; i < MAX_ENTRIES; i++) await token()
    expect(await status(first)).toBe(401)
    expect(dc.tokenRequests.length).toBeLessThanOrEqual(1_000)
  }, 60_000)

  it("keeps at most MAX_ENTRIES subscriptions", async () => {
    const dc = make({ redirectUris: ["http://127.0.0.1:9/cb"] })
    for (let i = 0; i <= MAX_ENTRIES; i++) {
      const code = new URL((await consent(dc, "http://127.0.0.1:9/cb")).headers.get("location")!).searchParams.get("code")!
      await dc.app.request("/oauth/token", {
        method: "POST",
        headers: { authorization: basic },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/cb" })
      })
    }
    expect(dc.subscriptions.size).toBe(MAX_ENTRIES)
  }, 120_000)
})
