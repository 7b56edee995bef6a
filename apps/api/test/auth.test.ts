import { describe, expect, it } from "vitest"
import { Timestamp } from "@meterbridge/core"
import * as H from "./harness.ts"
import * as TokenSecret from "../src/shared/TokenSecret.ts"
import { redactUrl } from "../src/shared/security.ts"

describe("authentication", () => {
  it("accepts the token as ?access_token=, Basic \"token:\", Token and Bearer", async () => {
    const h = await H.make()
    const u = await h.addUser("a@example.com")
    const forms: Array<[string, RequestInit]> = [
      [`/api/users.json?access_token=${u.token}`, {}],
      ["/api/users.json", { headers: { Authorization: `Basic ${btoa(`${u.token}:`)}` } }],
      ["/api/users.json", { headers: { Authorization: `Token ${u.token}` } }],
      ["/api/users.json", { headers: { Authorization: `Bearer ${u.token}` } }]
    ]
    for (const [path, init] of forms) {
      const res = await h.request(path, init)
      expect(res.status, path).toBe(200)
      const body = (await res.json()) as Array<{ uid: string; email: string; password: string }>
      expect(body).toEqual([expect.objectContaining({ uid: u.uid, email: "a@example.com", password: "****" })])
    }
  })

  it("answers unknown, malformed, expired and missing tokens with the same 401 body", async () => {
    const h = await H.make()
    const u = await h.addUser("a@example.com")
    await h.run(h.store.updateTokenExpiry(u.tokenUid, Timestamp.fromMillis(h.clock.now - 1000)))
    const variants: Array<RequestInit & { path?: string }> = [
      { headers: { Authorization: `Token ${u.token}` } }, // expired
      { headers: { Authorization: `Token ${TokenSecret.generate()}` } }, // well-formed, unknown
      { headers: { Authorization: "Token nonsense" } },
      { headers: { Authorization: "Basic !!!notbase64" } },
      { headers: { Authorization: "Digest abc" } },
      { path: "/api/accounts.json?access_token=" },
      {}
    ]
    const bodies = new Set<string>()
    for (const { path, ...init } of variants) {
      const res = await h.request(path ?? "/api/accounts.json", init)
      expect(res.status).toBe(401)
      bodies.add(await res.text())
    }
    expect(bodies.size).toBe(1)
    expect(JSON.parse([...bodies][0]!)).toMatchObject({ error: "unauthorized" })
  })

  it("rejects two different tokens in one request with 400, and accepts the same token twice", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    const conflicting = await h.request(`/api/users.json?access_token=${a.token}`, { token: b.token })
    expect(conflicting.status).toBe(400)
    expect(await conflicting.json()).toMatchObject({ error: "conflicting_tokens" })
    const same = await h.request(`/api/users.json?access_token=${a.token}`, { token: a.token })
    expect(same.status).toBe(200)
  })

  it("limits each token to 50 requests in any second, with Retry-After, without affecting other tokens", async () => {
    const h = await H.make({ rateLimit: 50 })
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    const statuses: Array<number> = []
    let retryAfter: string | null = null
    for (let i = 0; i < 80; i++) {
      h.clock.now += 5 // 80 requests over 400 ms
      const res = await h.request("/api/accounts.json", { token: a.token })
      statuses.push(res.status)
      if (res.status === 429) retryAfter = res.headers.get("Retry-After")
    }
    expect(statuses.filter((s) => s === 200).length).toBe(50)
    expect(statuses.filter((s) => s === 429).length).toBe(30)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    expect((await h.request("/api/accounts.json", { token: b.token })).status).toBe(200)
    h.clock.now += 1000
    expect((await h.request("/api/accounts.json", { token: a.token })).status).toBe(200)
  })

  it("counts requests per token", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    for (let i = 0; i < 7; i++) await h.request("/api/accounts.json", { token: a.token })
    const res = await h.request(`/api/tokens/${a.tokenUid}.json`, { token: a.token })
    // The 7 list requests plus this one.
    expect(((await res.json()) as { request_count: number }).request_count).toBe(8)
  })

  it("stores only the SHA-256 of a token, and tokens carry a prefix and a valid checksum", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    expect(TokenSecret.isWellFormed(a.token)).toBe(true)
    expect(a.token).toMatch(/^mbt_[0-9A-Za-z]{28}$/)
    const flipped = a.token.slice(0, 10) + (a.token[10] === "a" ? "b" : "a") + a.token.slice(11)
    expect(TokenSecret.isWellFormed(flipped)).toBe(false)
    const record = await h.run(h.store.getToken(a.tokenUid))
    const { createHash } = await import("node:crypto")
    expect(record?.secret_hash).toBe(createHash("sha256").update(a.token).digest("hex"))
    expect(JSON.stringify(record)).not.toContain(a.token)
  })

  it("sends no-store and no-referrer on every response and keeps access_token out of the logs", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    for (const path of [`/api/accounts.json?access_token=${a.token}`, `/api/nothing?access_token=${a.token}`, "/api/accounts.json"]) {
      const res = await h.request(path)
      expect(res.headers.get("Cache-Control")).toBe("no-store")
      expect(res.headers.get("Referrer-Policy")).toBe("no-referrer")
    }
    expect(h.logs.length).toBeGreaterThan(0)
    expect(h.logs.join("\n")).not.toContain(a.token)
    expect(redactUrl(`http://x/api/a?start=1&access_token=${a.token}`)).toBe("/api/a?start=1&access_token=REDACTED")
    expect(redactUrl("http://x/api/oauth/callback?code=s3cret&state=abc")).toBe("/api/oauth/callback?code=REDACTED&state=abc")
  })
})
