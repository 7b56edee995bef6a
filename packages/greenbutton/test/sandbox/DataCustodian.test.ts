import { describe, expect, it } from "vitest"
import { parseEspi } from "../../src/Espi.ts"
import { makeDataCustodian } from "../../src/sandbox/DataCustodian.ts"
import { generate } from "../../src/sandbox/Dataset.ts"

const SCOPE = "FB=1_3_4_5;IntervalDuration=3600;BlockDuration=daily;HistoryLength=86400"
const REDIRECT = "https://third.party.example/callback"
const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`

const make = (extra: Partial<Parameters<typeof makeDataCustodian>[0]> = {}) =>
  makeDataCustodian({
    utility: "TEST",
    customers: generate({ days: 3 }),
    clientId: "cid",
    clientSecret: "secret",
    redirectUris: [REDIRECT],
    ...extra
  })

const authorizeQuery = (over: Record<string, string> = {}) =>
  new URLSearchParams({ response_type: "code", client_id: "cid", redirect_uri: REDIRECT, scope: SCOPE, state: "s1", ...over })

/** Consents as `test` and exchanges the code: the token answer. */
const subscribe = async (dc: ReturnType<typeof make>) => {
  const approve = await dc.app.request("/oauth/authorize", {
    method: "POST",
    body: new URLSearchParams({ client_id: "cid", redirect_uri: REDIRECT, scope: SCOPE, state: "s1", username: "test", decision: "approve" })
  })
  const code = new URL(approve.headers.get("location")!).searchParams.get("code")!
  const token = await dc.app.request("/oauth/token", {
    method: "POST",
    headers: { authorization: basic("cid", "secret") },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT })
  })
  return (await token.json()) as { access_token: string; refresh_token: string; resourceURI: string; authorizationURI: string }
}

const get = (dc: ReturnType<typeof make>, path: string, token: string) =>
  dc.app.request(path, { headers: { authorization: `Bearer ${token}` } })

describe("sandbox Data Custodian", () => {
  it("shows a consent page with the scope and Approve / Decline", async () => {
    const page = await make().app.request(`/oauth/authorize?${authorizeQuery()}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(SCOPE)
    expect(html).toContain('value="approve"')
    expect(html).toContain('value="decline"')
    expect(html).toContain('name="state" value="s1"')
  })

  it("never redirects to an unknown client or an unregistered redirect_uri", async () => {
    const dc = make()
    for (const q of [authorizeQuery({ client_id: "evil" }), authorizeQuery({ redirect_uri: "https://evil.example/cb" })]) {
      const r = await dc.app.request(`/oauth/authorize?${q}`)
      expect(r.status).toBe(400)
      expect(r.headers.get("location")).toBeNull()
    }
  })

  it("bounces a bad scope or response type back to the client with an OAuth error", async () => {
    const dc = make()
    const scope = await dc.app.request(`/oauth/authorize?${authorizeQuery({ scope: "IntervalDuration=900" })}`)
    expect(scope.status).toBe(302)
    expect(Object.fromEntries(new URL(scope.headers.get("location")!).searchParams)).toEqual({ error: "invalid_scope", state: "s1" })
    const type = await dc.app.request(`/oauth/authorize?${authorizeQuery({ response_type: "token" })}`)
    expect(new URL(type.headers.get("location")!).searchParams.get("error")).toBe("unsupported_response_type")
  })

  it("an unknown customer gets the form again with an error, and no code", async () => {
    const r = await make().app.request("/oauth/authorize", {
      method: "POST",
      body: new URLSearchParams({ client_id: "cid", redirect_uri: REDIRECT, scope: SCOPE, state: "s1", username: "mallory", decision: "approve" })
    })
    expect(r.status).toBe(401)
    expect(await r.text()).toContain("No customer")
  })

  it("the token endpoint demands client Basic auth and a matching redirect_uri", async () => {
    const dc = make()
    const noAuth = await dc.app.request("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials" }) })
    expect(noAuth.status).toBe(401)
    expect(((await noAuth.json()) as { error: string }).error).toBe("invalid_client")
    expect(dc.tokenRequests).toEqual([{ grantType: "client_credentials", basicAuth: false }])
    const unsupported = await dc.app.request("/oauth/token", {
      method: "POST", headers: { authorization: basic("cid", "secret") }, body: new URLSearchParams({ grant_type: "password" })
    })
    expect(((await unsupported.json()) as { error: string }).error).toBe("unsupported_grant_type")
  })

  it("a token reads its own subscription only; windows must be xs:dateTime", async () => {
    const dc = make()
    const a = await subscribe(dc)
    const b = await subscribe(dc)
    const idA = a.resourceURI.split("/").pop()!
    expect(a.resourceURI).toBe(`http://localhost/espi/1_1/resource/Batch/Subscription/${idA}`)
    expect((await get(dc, `/espi/1_1/resource/Batch/Subscription/${idA}`, a.access_token)).status).toBe(200)
    expect((await get(dc, `/espi/1_1/resource/Batch/Subscription/${idA}`, b.access_token)).status).toBe(403)
    expect((await get(dc, `/espi/1_1/resource/Batch/Subscription/${idA}`, "nope")).status).toBe(401)
    const bad = await get(dc, `/espi/1_1/resource/Batch/Subscription/${idA}?published-min=yesterday`, a.access_token)
    expect(bad.status).toBe(400)
    expect((await get(dc, `/espi/1_1/resource/Subscription/${idA}/UsagePoint/nope`, a.access_token)).status).toBe(404)
  })

  it("access tokens lapse on the custodian's own clock: moved past their life, they are refused", async () => {
    let now = Date.UTC(2031, 0, 1)
    const dc = make({ now: () => now, accessTokenSeconds: 600 })
    const t = await subscribe(dc)
    const path = new URL(t.resourceURI).pathname
    expect((await get(dc, path, t.access_token)).status).toBe(200)
    now += 599_000
    expect((await get(dc, path, t.access_token)).status).toBe(200)
    now += 1_000
    expect((await get(dc, path, t.access_token)).status).toBe(401)
  })

  it("serves the resource tree: UsagePoints with delivery points, one MeterReading, UsageSummaries alone", async () => {
    const dc = make()
    const t = await subscribe(dc)
    const sid = t.resourceURI.split("/").pop()!
    const [home] = dc.dataset[0]!.usagePoints
    const points = await (await get(dc, `/espi/1_1/resource/Subscription/${sid}/UsagePoint`, t.access_token)).text()
    expect(points).toContain(`<espi:customerAgreement>${home!.account}</espi:customerAgreement>`)
    expect(points).toContain(`<espi:name>${home!.meter}</espi:name>`)
    const channel = home!.channels[1]!
    const mr = await get(dc, `/espi/1_1/resource/Subscription/${sid}/UsagePoint/${home!.id}/MeterReading/${channel.id}/IntervalBlock`, t.access_token)
    const readings = []
    for await (const r of parseEspi(await mr.text())) if (r._tag === "Reading") readings.push(r)
    expect(readings.every((r) => r.flow === "received")).toBe(true)
    expect(readings.length).toBe(channel.blocks.reduce((s, b) => s + b.readings.length, 0))
    const summaries = []
    for await (const r of parseEspi(await (await get(dc, `/espi/1_1/resource/Subscription/${sid}/UsagePoint/${home!.id}/UsageSummary`, t.access_token)).text())) {
      if (r._tag === "Reading") throw new Error("UsageSummary route served readings")
      if (r._tag === "UsageSummary") summaries.push(r)
    }
    expect(summaries.length).toBe(home!.bills.length)
  })

  it("the Authorization resource says active, then revoked", async () => {
    const dc = make()
    const t = await subscribe(dc)
    const path = new URL(t.authorizationURI).pathname
    expect(await (await get(dc, path, t.access_token)).text()).toContain("<espi:status>1</espi:status>")
    dc.revoke(t.resourceURI.split("/").pop()!)
    const client = await (await dc.app.request("/oauth/token", {
      method: "POST", headers: { authorization: basic("cid", "secret") }, body: new URLSearchParams({ grant_type: "client_credentials" })
    })).json() as { access_token: string }
    expect(await (await get(dc, path, client.access_token)).text()).toContain("<espi:status>0</espi:status>")
  })

  it("faults hit the API but leave the consent page up", async () => {
    const dc = make()
    const t = await subscribe(dc)
    dc.faults.set("unavailable")
    expect((await dc.app.request(`/oauth/authorize?${authorizeQuery()}`)).status).toBe(200)
    expect((await get(dc, "/espi/1_1/resource/ReadServiceStatus", t.access_token)).status).toBe(503)
    dc.faults.set("rateLimited")
    expect((await get(dc, "/espi/1_1/resource/ReadServiceStatus", t.access_token)).headers.get("retry-after")).toBe("7")
    dc.faults.set(null)
    expect((await get(dc, "/espi/1_1/resource/ReadServiceStatus", t.access_token)).status).toBe(200)
  })

  it("with the SCE quirk, each daily block also carries the next day's first reading", async () => {
    const dc = make({ quirks: { readingAtBlockEnd: true } })
    const t = await subscribe(dc)
    const sid = t.resourceURI.split("/").pop()!
    const [home] = dc.dataset[0]!.usagePoints
    const xml = await (await get(dc, `/espi/1_1/resource/Batch/Subscription/${sid}/UsagePoint/${home!.id}`, t.access_token)).text()
    const perBlock = xml.split("<espi:IntervalBlock>").slice(1).map((b) => b.split("<espi:IntervalReading>").length - 1)
    // Three days, two channels: the first two blocks of each channel have 24 + 1, the last has no next day.
    expect(perBlock).toEqual([25, 25, 24, 25, 25, 24])
  })
})
