/**
 * The attacks of issue #8, each answered with a clear 4xx before any costly
 * work: bodies bounded on the stream, malformed forms, sign-up order and
 * limits, random tokens, token expiry, client addresses behind a proxy.
 */
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { Store, Timestamp, Worker } from "@meterbridge/core"
import { MemoryStore } from "@meterbridge/core/testing"
import * as H from "./harness.ts"
import * as Invites from "../src/shared/Invites.ts"
import * as RequestInfo from "../src/shared/RequestInfo.ts"
import * as Tokens from "../src/shared/Tokens.ts"
import * as TokenSecret from "../src/shared/TokenSecret.ts"
import type { PasswordHasher } from "../src/shared/Passwords.ts"
import type { RequestRecord } from "../src/app.ts"
import { cloudflareClient } from "../src/workers/client.ts"

/** The peer address comes from a test header; no proxy is trusted unless a test says so. */
const byTestPeer = (trusted: ReadonlySet<string> = new Set()) => (request: Request) =>
  RequestInfo.resolve(request.headers.get("x-test-peer") ?? "10.0.0.1", request, trusted)

/** A MemoryStore that counts token lookups: what a request costs the database. */
const countingStore = () => {
  const inner = MemoryStore.make()
  const counts = { tokenLookups: 0 }
  const store: Store.StoreShape = {
    ...inner,
    findTokenBySecretHash: (hash) => Effect.suspend(() => (counts.tokenLookups++, inner.findTokenBySecretHash(hash)))
  }
  return { store, counts }
}

const countingPasswords = (): PasswordHasher & { hashes: number } => {
  const p = {
    hashes: 0,
    hash: async (password: string) => {
      p.hashes++
      return `plain$${password}`
    },
    verify: async (password: string, stored: string | null) => stored === `plain$${password}`
  }
  return p
}

const signupForm = async (h: H.Harness, peer = "10.0.0.1") => {
  const res = await h.request("/api/users/new.json", { headers: { "x-test-peer": peer } })
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!
  const { csrf_token } = (await res.json()) as { csrf_token: string }
  return { cookie, csrf_token }
}

/** A body stream with no Content-Length that would go on for `total` bytes. */
const chunked = (total: number, chunk = 64 * 1024) => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close()
      sent += chunk
      controller.enqueue(new Uint8Array(chunk).fill(0x61))
    }
  })
}

describe("request bodies", () => {
  it("a chunked body without Content-Length is cut off at the limit with 413, before sign-up or authentication does anything", async () => {
    const passwords = countingPasswords()
    const h = await H.make({ passwords })
    for (const path of ["/api/users/new", "/api/accounts/add", "/api/v2/forms", "/authorize/form"]) {
      const body = chunked(64 * 1024 * 1024)
      const res = await h.app.request(`${H.BASE}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
        duplex: "half"
      } as RequestInit)
      expect(res.status, path).toBe(413)
      // Reading stopped near the limit: the 64 MiB stream was not drained.
    }
    expect(passwords.hashes).toBe(0)
  })

  it("a declared Content-Length over the limit answers 413 on every surface, even without a token", async () => {
    const h = await H.make()
    for (const path of ["/api/accounts/add", "/api/v2/authorizations", "/sandbox/demo/anything"]) {
      const res = await h.app.request(`${H.BASE}${path}`, {
        method: "POST",
        headers: { "Content-Length": String(50 * 1024 * 1024), "Content-Type": "application/json" },
        body: "{}"
      })
      expect(res.status, path).toBe(413)
    }
  })

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["an empty boundary", "multipart/form-data; boundary=", "--\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n----\r\n"],
    ["no boundary", "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--x--\r\n"],
    ["a wrong boundary", "multipart/form-data; boundary=abc", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--xyz--\r\n"],
    ["an unterminated part", "multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxxxxx"],
    ["a part without headers", "multipart/form-data; boundary=abc", "--abc\r\n\r\n\r\n--abc--"],
    ["garbage", "multipart/form-data; boundary=abc", "\u0000\u0001\u0002--abc"]
  ]
  it.each(malformed)("multipart with %s answers 400, not 500, with and without a token", async (_, type, body) => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const { cookie } = await signupForm(h)
    const signup = await h.request("/api/users/new.json", { method: "POST", headers: { "Content-Type": type, Cookie: cookie }, body })
    expect(signup.status).toBe(400)
    expect(await signup.json()).toMatchObject({ error: "invalid_form" })
    const add = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, headers: { "Content-Type": type }, body })
    expect(add.status).toBe(400)
  })
})

describe("sign-up", () => {
  const invite = async (h: H.Harness) => {
    const code = Invites.generate()
    await h.run(h.store.createInvite(await Invites.hash(code), Timestamp.fromMillis(Date.now()), null))
    return code
  }

  it("checks the e-mail in linear time: a long adversarial address is a quick 400", async () => {
    const h = await H.make()
    const { cookie, csrf_token } = await signupForm(h)
    // Under the old pattern this input took time quadratic in its length (minutes at this size).
    for (const email of [`a@${"a.".repeat(200_000)}`, `a@${"a.".repeat(100)} `, `${"@".repeat(50_000)}`]) {
      const res = await h.request("/api/users/new.json", {
        method: "POST",
        headers: { Cookie: cookie },
        json: { invite: "mbi_x", email, password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
      })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ field: "email" })
    }
  })

  it("hashes no password and tells nothing about existing e-mails without a valid invite", async () => {
    const passwords = countingPasswords()
    const h = await H.make({ passwords, appOptions: { client: byTestPeer() } })
    await h.addUser("taken@example.com")
    const answers: Array<string> = []
    for (const email of ["taken@example.com", "free@example.com"]) {
      const { cookie, csrf_token } = await signupForm(h)
      const res = await h.request("/api/users/new.json", {
        method: "POST",
        headers: { Cookie: cookie },
        json: { invite: "mbi_wrong", email, password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
      })
      expect(res.status).toBe(400)
      answers.push(await res.text())
    }
    expect(answers[0]).toBe(answers[1])
    expect(passwords.hashes).toBe(0)
    // With a valid invite, a new user is created and exactly one hash is computed.
    const code = await invite(h)
    const { cookie, csrf_token } = await signupForm(h)
    const ok = await h.request("/api/users/new.json", {
      method: "POST",
      headers: { Cookie: cookie },
      json: { invite: code, email: "free@example.com", password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
    })
    expect(ok.status).toBe(200)
    expect(passwords.hashes).toBe(1)
  })

  it("limits sign-up attempts per client address, and only that address", async () => {
    const passwords = countingPasswords()
    const h = await H.make({ passwords, appOptions: { client: byTestPeer() }, config: { signupRateLimit: 3 } })
    const attempt = async (peer: string) => {
      const { cookie, csrf_token } = await signupForm(h, peer)
      return h.request("/api/users/new.json", {
        method: "POST",
        headers: { Cookie: cookie, "x-test-peer": peer },
        json: { invite: "mbi_wrong", email: "x@example.com", password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
      })
    }
    for (let i = 0; i < 3; i++) expect((await attempt("10.0.0.7")).status).toBe(400)
    const limited = await attempt("10.0.0.7")
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/)
    expect((await attempt("10.0.0.8")).status).toBe(400)
  })
})

describe("random tokens", () => {
  it("malformed tokens cost no lookup; failures are limited per address without touching other addresses or valid tokens", async () => {
    const { store, counts } = countingStore()
    const h = await H.make({ store, appOptions: { client: byTestPeer() }, config: { anonymousRateLimit: 20 } })
    const a = await h.addUser("a@example.com")
    const get = (token: string, peer: string) => h.request("/api/accounts.json", { token, headers: { "x-test-peer": peer } })

    // Strings that cannot be a token (too short, too long, spaces or control characters) are rejected without a query.
    for (let i = 0; i < 10; i++) {
      expect((await get("nope", `10.1.0.${i}`)).status).toBe(401)
      expect((await get(`mbt_${"x".repeat(300)}`, `10.1.1.${i}`)).status).toBe(401)
      expect((await get(`mbt_\u00e9${"x".repeat(27)}`, `10.1.2.${i}`)).status).toBe(401)
    }
    expect(counts.tokenLookups).toBe(0)

    // Well-formed but unknown tokens: at most the address's limit reach the database, then 429.
    const statuses: Array<number> = []
    for (let i = 0; i < 100; i++) statuses.push((await get(TokenSecret.generate(), "10.2.0.1")).status)
    expect(statuses.filter((s) => s === 401).length).toBe(20)
    expect(statuses.filter((s) => s === 429).length).toBe(80)
    expect(counts.tokenLookups).toBe(20)
    // Another address, and a valid token, are not affected.
    expect((await get(TokenSecret.generate(), "10.2.0.2")).status).toBe(401)
    expect((await get(a.token, "10.2.0.3")).status).toBe(200)
    // A known token keeps working from the attacker's own address too, after the one-second cache has lapsed.
    h.clock.now += 500
    expect((await get(TokenSecret.generate(), "10.2.0.1")).status).toBe(429)
    h.clock.now += 1_000
    for (let i = 0; i < 30; i++) await get(TokenSecret.generate(), "10.2.0.1")
    expect((await get(TokenSecret.generate(), "10.2.0.1")).status).toBe(429)
    expect((await get(a.token, "10.2.0.1")).status).toBe(200)
  })

  it("an operator's bootstrap token shaped like ours but without our checksum still works", async () => {
    const h = await H.make()
    const secret = `mbt_${"operatorchosen".padEnd(28, "0")}`
    const now = Timestamp.fromMillis(Date.now())
    await h.run(h.store.createUser({ uid: "op", email: "op@example.com", password_hash: null, created: now }))
    await h.run(Tokens.create("op", { now, secret }))
    expect((await h.request("/api/accounts.json", { token: secret })).status).toBe(200)
  })

  it("10,000 distinct bad tokens do not reset a token's rate-limit window", async () => {
    const h = await H.make({ rateLimit: 5, config: { anonymousRateLimit: 10_000 } })
    const a = await h.addUser("a@example.com")
    for (let i = 0; i < 5; i++) expect((await h.request("/api/accounts.json", { token: a.token })).status).toBe(200)
    expect((await h.request("/api/accounts.json", { token: a.token })).status).toBe(429)
    for (let i = 0; i < 10_500; i++) await h.request("/api/accounts.json", { token: `mbt_${String(i).padStart(28, "0")}` })
    expect((await h.request("/api/accounts.json", { token: a.token })).status).toBe(429)
  })
})

describe("token expiry", () => {
  it("a token can move its expiry earlier but never later; only the operator extends it", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const inDays = (d: number) => Timestamp.format(Timestamp.fromMillis(h.clock.now + d * 86_400_000))
    // The operator set an expiry (as `meterbridge tokens expire` does).
    await h.run(h.store.updateTokenExpiry(a.tokenUid, Timestamp.fromMillis(h.clock.now + 2 * 86_400_000)))
    const later = await h.request(`/api/tokens/${a.tokenUid}/modify.json`, { method: "POST", token: a.token, json: { expires: inDays(30) } })
    expect(later.status).toBe(403)
    expect(await later.json()).toMatchObject({ error: "expiry_extension_forbidden" })
    const earlier = await h.request(`/api/tokens/${a.tokenUid}/modify.json`, { method: "POST", token: a.token, json: { expires: inDays(1) } })
    expect(earlier.status).toBe(200)
    const stored = await h.run(h.store.getToken(a.tokenUid))
    expect(stored!.expires).toBe(Timestamp.fromMillis(h.clock.now + 86_400_000))
  })
})

describe("client address and TLS behind a proxy", () => {
  it("trusts X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy", () => {
    const trusted = new Set(["127.0.0.1"])
    const req = new Request("http://x/", { headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.9", "x-forwarded-proto": "https" } })
    expect(RequestInfo.resolve("::ffff:127.0.0.1", req, trusted)).toMatchObject({ address: "203.0.113.9", secure: true })
    expect(RequestInfo.resolve("198.51.100.4", req, trusted)).toMatchObject({ address: "198.51.100.4", secure: false })
  })

  it("on Workers, CF-Connecting-IP names the client; X-Forwarded-For counts only behind a proxy trusted in front of Cloudflare", async () => {
    const h = await H.make({ appOptions: { client: cloudflareClient(new Set()) }, config: { anonymousRateLimit: 3 } })
    const get = (headers: Record<string, string>) => h.request("/api/services.json", { headers }).then((r) => r.status)
    // A client naming itself anew in X-Forwarded-For each time is still one address: the edge's.
    const spoofing = []
    for (let i = 0; i < 5; i++) spoofing.push(await get({ "cf-connecting-ip": "198.51.100.7", "x-forwarded-for": `203.0.113.${i}` }))
    expect(spoofing).toEqual([401, 401, 401, 429, 429])
    expect(await get({ "cf-connecting-ip": "198.51.100.8" })).toBe(401)

    const behindProxy = cloudflareClient(new Set(["192.0.2.1"]))
    const req = (headers: Record<string, string>) => new Request("https://api.example.com/", { headers })
    expect(behindProxy(req({ "cf-connecting-ip": "192.0.2.1", "x-forwarded-for": "6.6.6.6, 203.0.113.9, 192.0.2.1" }))).toMatchObject({ address: "203.0.113.9", secure: true })
    expect(behindProxy(req({ "cf-connecting-ip": "198.51.100.4", "x-forwarded-for": "203.0.113.9" })).address).toBe("198.51.100.4")
    // No edge header (a service binding): no address, so no per-address window shared by every such request.
    expect(behindProxy(req({ "x-forwarded-for": "203.0.113.9" })).address).toBe(RequestInfo.UNKNOWN)
  })

  it("sets the CSRF cookie Secure when the proxy says the client used TLS", async () => {
    const h = await H.make({ appOptions: { client: byTestPeer(new Set(["10.9.9.9"])) } })
    const viaProxy = await h.request("/api/users/new.json", { headers: { "x-test-peer": "10.9.9.9", "x-forwarded-proto": "https" } })
    expect(viaProxy.headers.get("set-cookie")).toMatch(/;\s*Secure/i)
    const spoofed = await h.request("/api/users/new.json", { headers: { "x-test-peer": "10.1.1.1", "x-forwarded-proto": "https" } })
    expect(spoofed.headers.get("set-cookie")).not.toMatch(/;\s*Secure/i)
  })
})

describe("operations endpoints", () => {
  it("answers /healthz, /readyz and /metrics, and a request id on every failure", async () => {
    const h = await H.make({
      appOptions: { metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "up 1\n" }), metricsToken: "s3cret-metrics-token" }
    })
    const health = await h.app.request(`${H.BASE}/healthz`)
    expect(health.status).toBe(200)
    // Failures carry the request id to quote (successes keep their pre-built headers).
    expect((await h.app.request(`${H.BASE}/api/accounts`)).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
    const ready = await h.app.request(`${H.BASE}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true } } })
    expect((await h.app.request(`${H.BASE}/metrics`)).status).toBe(401)
    const metrics = await h.app.request(`${H.BASE}/metrics`, { headers: { Authorization: "Bearer s3cret-metrics-token" } })
    expect(await metrics.text()).toBe("up 1\n")
  })

  it("reports each request with its route pattern (bounded labels), status and request id", async () => {
    const seen: Array<RequestRecord> = []
    const h = await H.make({ appOptions: { observe: (r) => seen.push(r) } })
    const a = await h.addUser("a@example.com")
    const res = await h.request("/api/accounts/some-uid.json", { token: a.token, headers: { "X-Request-Id": "abc-123" } })
    expect(res.headers.get("x-request-id")).toBe("abc-123")
    await h.request("/api/v2/authorizations/xyz", { token: a.token })
    await h.request("/api/no/such/path/123", { token: a.token })
    expect(seen.map((r) => [r.route, r.status])).toEqual([["/api/accounts/:uid", 404], ["/api/v2/authorizations/:uid", 404], ["/api", 404]])
    expect(seen[0]!.id).toBe("abc-123")
  })
})

describe("OAuth state", () => {
  it("an SMT agreement id (known from the customer's email) cannot complete an authorization through /api/oauth/callback", async () => {
    const h = await H.make()
    const a = await h.addUser("live@example.com")
    await h.run(h.store.setRegistration(a.uid, "SMT", "live"))
    const fields = { utility: "SMT", auth_type: "owner", real_name: "Tex", esiid: "10443720000000001", meter_number: "112233445LG", rep: "Reliant", email: "tex@example.com" }
    const added = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: fields })
    const { uid } = (await added.json()) as { uid: string }
    const agreement = (await h.run(h.store.getAccount(uid)))!.authorization_ref!
    expect(agreement).toBeTruthy()
    const res = await h.app.request(`${H.BASE}/api/oauth/callback?state=${encodeURIComponent(agreement)}&code=x`)
    expect(res.status).toBe(404)
    const after = (await h.run(h.store.getAccount(uid)))!
    expect(after.authorization_ref).toBe(agreement)
    expect(after.latest?.type).toBe("pending")
  })
})

describe("per-user quotas", () => {
  it("a user at the authorization quota gets 403 quota_exceeded on v1, and another user is unaffected", async () => {
    const h = await H.make({ quotas: { maxAuthorizationsPerUser: 3 } })
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    for (let i = 0; i < 3; i++) await H.addDemoAccount(h, a.token)
    const over = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      json: { utility: "DEMO", auth_type: "owner", real_name: "John Doe", utility_username: "test", utility_password: "test" }
    })
    expect(over.status).toBe(403)
    expect(await over.json()).toMatchObject({ error: "quota_exceeded" })
    expect((await h.run(h.store.listAccounts(a.uid))).length).toBe(3)
    await H.addDemoAccount(h, b.token)
  })

  it("one user's 40 queued DEMO accounts do not delay another user's account: it is collected among the first jobs", async () => {
    const h = await H.make()
    const busy = await h.addUser("busy@example.com")
    const other = await h.addUser("other@example.com")
    for (let i = 0; i < 40; i++) await H.addDemoAccount(h, busy.token)
    const theirs = await H.addDemoAccount(h, other.token)
    // One worker slot, as on a small box: count the jobs run before the other user's account is updated.
    let ran = 0
    for (; ran < 200; ran++) {
      const account = await h.run(h.store.getAccount(theirs.uid))
      if (account?.latest?.type === "updated") break
      await h.run(Worker.runNext(60_000, 1))
    }
    // Account discovery then the service's collection: within a handful of jobs, not after 40+ of the busy user's.
    expect(ran).toBeLessThanOrEqual(6)
  }, 60_000)
})
