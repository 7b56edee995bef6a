/**
 * The API fuzzer: random and mutated requests against every route of every
 * surface (v1, v2, the customer's pages, the sandboxes, the ops endpoints),
 * read from the Hono apps' own route tables so a new route is fuzzed without
 * a line here. Requests carry the tokens of two users (in every transport),
 * random and malformed tokens, or none; bodies are JSON, forms, multipart
 * (well-formed or mutated), bytes, or over the size limit.
 *
 * What must hold, and is counted:
 * - no 5xx, ever;
 * - no foreign read: an answer to one user never contains an identifier of
 *   the other user's objects that the request did not itself carry;
 * - no foreign write: in phase 1 only user A's token (or none, or garbage) is
 *   used and every object of user B must be unchanged afterwards; phase 2 the
 *   other way round.
 */
import fc from "fast-check"
import { Effect } from "effect"
import { Store, Timestamp } from "@meterbridge/core"
import * as H from "../harness.ts"
import { makeGreenButtonUploads } from "../../src/node/greenButtonUploads.ts"
import * as Invites from "../../src/shared/Invites.ts"
import * as Tokens from "../../src/shared/Tokens.ts"
import * as TokenSecret from "../../src/shared/TokenSecret.ts"

export interface FuzzFigures {
  readonly requests: number
  readonly byStatus: Readonly<Record<string, number>>
  readonly serverErrors: number
  readonly foreignReads: number
  readonly foreignWrites: number
  readonly peakRssBytes: number
  /** RSS once the app, its sandboxes and the two users are set up: what the requests add is the difference. */
  readonly baselineRssBytes: number
  readonly routes: number
  readonly examples: ReadonlyArray<string>
}

interface Route {
  readonly method: string
  readonly path: string
}

interface Party {
  readonly uid: string
  readonly email: string
  readonly token: string
  readonly tokenUid: string
  /** A dashboard session (a `browser` token) for the `mb_session` cookie. */
  readonly session: string
  /** Uids of this user's objects (accounts, services, tokens, templates, forms). */
  readonly ids: Array<string>
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const

/** Every route of every surface, from the apps' route tables (plus the ops endpoints). */
const routesOf = async (h: H.Harness): Promise<ReadonlyArray<Route>> => {
  const { v1 } = await import("../../src/v1/app.ts")
  const { v2 } = await import("../../src/v2/app.ts")
  const { web } = await import("../../src/web/app.ts")
  const Shared = await import("../../src/shared/Shared.ts")
  const Runtime = await import("../../src/Runtime.ts")
  const { scryptPasswords } = await import("../../src/node/passwords.ts")
  const shared = Shared.make(Runtime.make({
    context: h.context,
    passwords: scryptPasswords,
    config: { signingKey: new Uint8Array(32), rateLimit: 50, publicBaseUrl: H.BASE }
  }))
  const AppCollectors = await import("../../src/server/adapters.ts")
  const sandboxes = AppCollectors.build({ publicBaseUrl: H.BASE, env: {}, testMode: true })
  const routes = new Map<string, Route>()
  const add = (method: string, path: string) => {
    if (path.includes("*") && !path.endsWith("/*")) return
    const p = path.replace(/\/\*$/, "/anything")
    routes.set(`${method} ${p}`, { method: method === "ALL" ? "GET" : method, path: p })
  }
  for (const app of [v1(shared), v2(shared), web(shared)]) for (const r of app.routes) add(r.method, r.path)
  for (const s of sandboxes) {
    const app = s.sandbox?.app as { routes?: ReadonlyArray<{ method: string; path: string }> } | undefined
    for (const r of app?.routes ?? []) add(r.method, `/sandbox/${s.sandbox!.slug}${r.path.startsWith("/") ? r.path : `/${r.path}`}`)
  }
  for (const p of ["/healthz", "/readyz", "/metrics"]) add("GET", p)
  return [...routes.values()].filter((r) => r.path !== "*" && r.path !== "/*")
}

/** A user with a DEMO account collected, a v2 template and form, and a second token. */
const seed = async (h: H.Harness, email: string): Promise<Party> => {
  const u = await h.addUser(email)
  const account = await H.addDemoAccount(h, u.token)
  await h.drain()
  const second = await h.addUser(`second-${email}`)
  void second
  const template = await h.request("/api/v2/templates", {
    method: "POST",
    token: u.token,
    json: { company_name: `Co ${email}`, redirect_uris: ["https://integrator.example/return"] }
  })
  const form = await h.request("/api/v2/forms", { method: "POST", token: u.token, json: { customer_email: `c-${email}` } })
  const { secret: session } = await h.run(Tokens.create(u.uid, { type: "browser", now: Timestamp.fromMillis(Date.now()) }))
  const party: Party = { uid: u.uid, email, token: u.token, tokenUid: u.tokenUid, session, ids: [] }
  await refreshIds(h, party)
  void account
  void template
  void form
  return party
}

const snapshot = async (h: H.Harness, uid: string) =>
  h.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const user = yield* store.getUser(uid)
    const accounts = yield* store.listAccounts(uid)
    const services = yield* store.listServices(uid)
    const tokens = (yield* store.listTokens(uid)).map((t) => ({ ...t, request_count: 0 }))
    const templates = yield* store.listTemplates(uid)
    const forms = yield* store.listForms(uid)
    return { user, accounts, services, tokens, templates, forms }
  }))

const refreshIds = async (h: H.Harness, p: Party) => {
  const s = await snapshot(h, p.uid)
  p.ids.splice(0, p.ids.length, ...new Set([
    ...s.accounts.map((a) => a.uid),
    ...s.services.map((x) => x.uid),
    ...s.tokens.map((t) => t.uid),
    ...s.templates.map((t) => t.uid),
    ...s.forms.map((f) => f.uid),
    ...s.forms.map((f) => f.code)
  ]))
}

const FIELDS = [
  "utility", "auth_type", "real_name", "utility_username", "utility_password", "active_until", "update_data", "update_services",
  "expires", "email", "password", "new_password", "new_password_confirm", "password_confirm", "invite", "csrf_token", "code", "type",
  "meters", "authorizations", "templates", "forms", "uids", "template_uid", "customer_email", "company_name", "company_email",
  "company_logo", "description", "redirect_uris", "scope", "nickname", "is_archived", "is_test", "scenario", "frequency",
  "collection_duration", "referrals", "start", "end", "include", "action", "consent", "signature", "esiid", "meter_number", "rep"
]

const QUERY = ["start", "end", "limit", "access_token", "meters", "authorizations", "include", "direction", "is_archived", "is_test", "referrals", "f", "state", "code", "error", "next", "email", "format"]

const NASTY = [
  "", " ", "0", "-1", "1e309", "NaN", "null", "true", "2014-01-01T01:01:01Z", "2099-12-31", "1970-01-01", "2024-02-30",
  "DEMO", "PG&E", "SMT", "SCE", "SDG&E", "owner", "agent", "test", "https://evil.example/x", "//evil.example", "javascript:alert(1)",
  "../../etc/passwd", "%00", "\u0000", "\u202e", "😀".repeat(50), "a".repeat(5000), "' OR 1=1 --", "<script>x</script>",
  "{\"$gt\":\"\"}", "__proto__", "constructor", "a@b.c", "x".repeat(300) + "@example.com", "3y", "until_revoked", "30d"
]

export interface FuzzOptions {
  readonly requests: number
  readonly seed: number
  /** Called every 1000 requests (progress). */
  readonly progress?: (done: number) => void
}

export const run = async (options: FuzzOptions): Promise<FuzzFigures> => {
  // Neither fuzzed user is an operator: operator pages list every user by design, and are not a foreign read.
  const h = await H.make({
    config: { anonymousRateLimit: 10_000, signupRateLimit: 10_000, operators: ["operator@example.com"] },
    uploads: makeGreenButtonUploads({ maxBytes: 1024 * 1024 })
  })
  const a = await seed(h, "fuzz-a@example.com")
  const b = await seed(h, "fuzz-b@example.com")
  const invite = Invites.generate()
  await h.run(h.store.createInvite(await Invites.hash(invite), Timestamp.fromMillis(Date.now()), null))
  const routes = await routesOf(h)
  const baselineRss = process.memoryUsage().rss

  const byStatus: Record<string, number> = {}
  let serverErrors = 0
  let foreignReads = 0
  let foreignWrites = 0
  let peakRss = process.memoryUsage().rss
  const examples: Array<string> = []
  let sent = 0

  const param = (own: Party, other: Party) =>
    fc.oneof(
      fc.constantFrom(...(own.ids.length > 0 ? own.ids : ["none"])),
      fc.constantFrom(...(other.ids.length > 0 ? other.ids : ["none"])),
      fc.constantFrom(own.uid, other.uid, own.tokenUid, other.tokenUid),
      fc.constantFrom(...NASTY.filter((n) => n !== "" && !n.includes("/"))),
      fc.string({ maxLength: 40 })
    )

  const value = fc.oneof(
    fc.constantFrom<unknown>(...NASTY),
    fc.string({ maxLength: 64 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 })
  )
  const fields = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 10 })), value, { maxKeys: 8 })

  const request = (own: Party, other: Party) =>
    fc.record({
      route: fc.constantFrom(...routes),
      method: fc.oneof({ weight: 8, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constantFrom<string | undefined>(...METHODS) }),
      params: fc.array(param(own, other), { minLength: 4, maxLength: 4 }),
      suffix: fc.constantFrom("", "", "", "", ".json", ".json", ".csv", ".xml"),
      query: fc.dictionary(fc.constantFrom(...QUERY), fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 30 })), { maxKeys: 3 }),
      auth: fc.constantFrom(
        "own-header", "own-header", "own-header", "own-header", "own-header", "own-header", "own-query", "own-basic", "own-bearer",
        "own-session", "own-session", "own-session", "none", "random", "malformed", "other-and-own"
      ),
      body: fc.oneof(
        { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
        { weight: 4, arbitrary: fields.map((f) => ({ kind: "json" as const, f })) },
        { weight: 2, arbitrary: fields.map((f) => ({ kind: "form" as const, f })) },
        { weight: 2, arbitrary: fc.tuple(fields, fc.constantFrom("ok", "no-boundary", "empty-boundary", "truncated", "garbage")).map(([f, m]) => ({ kind: "multipart" as const, f, m })) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: "bytes" as const, bytes })) },
        { weight: 1, arbitrary: fc.constant({ kind: "huge" as const }) }
      ),
      contentType: fc.constantFrom<string | undefined>(undefined, "application/json", "text/plain", "application/xml", "application/json; charset=latin1")
    })

  type Req = ReturnType<typeof request> extends fc.Arbitrary<infer R> ? R : never

  const build = (r: Req, own: Party): { url: string; init: RequestInit; carried: string } => {
    let i = 0
    const path = r.route.path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, () => encodeURIComponent(String(r.params[i++ % r.params.length])))
    const url = new URL(`${H.BASE}${path}${path.startsWith("/api") ? r.suffix : ""}`)
    for (const [k, v] of Object.entries(r.query)) url.searchParams.set(k, v)
    const headers = new Headers()
    switch (r.auth) {
      case "own-header":
        headers.set("Authorization", `Token ${own.token}`)
        break
      case "own-bearer":
        headers.set("Authorization", `Bearer ${own.token}`)
        break
      case "own-basic":
        headers.set("Authorization", `Basic ${btoa(`${own.token}:`)}`)
        break
      case "own-query":
        url.searchParams.set("access_token", own.token)
        break
      case "random":
        headers.set("Authorization", `Token ${TokenSecret.generate()}`)
        break
      case "malformed":
        headers.set("Authorization", `Token mbt_${"A".repeat(28)}`)
        break
      case "other-and-own":
        headers.set("Authorization", `Token ${own.token}`)
        url.searchParams.set("access_token", TokenSecret.generate())
        break
      case "own-session":
        headers.set("Cookie", `mb_session=${own.session}`)
        break
      case "none":
        break
    }
    let body: BodyInit | undefined
    const method = r.method ?? r.route.method
    if (method !== "GET" && method !== "HEAD") {
      switch (r.body.kind) {
        case "json":
          headers.set("Content-Type", r.contentType ?? "application/json")
          body = JSON.stringify(r.body.f)
          break
        case "form":
          headers.set("Content-Type", "application/x-www-form-urlencoded")
          body = new URLSearchParams(Object.entries(r.body.f).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v) ?? ""])).toString()
          break
        case "multipart": {
          const boundary = "fuzzBoundary42"
          const parts = Object.entries(r.body.f).map(([k, v]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, "")}"\r\n\r\n${typeof v === "string" ? v : JSON.stringify(v)}\r\n`)
          let text = `${parts.join("")}--${boundary}--\r\n`
          let type = `multipart/form-data; boundary=${boundary}`
          if (r.body.m === "no-boundary") type = "multipart/form-data"
          if (r.body.m === "empty-boundary") type = "multipart/form-data; boundary="
          if (r.body.m === "truncated") text = text.slice(0, Math.floor(text.length / 2))
          if (r.body.m === "garbage") text = `\u0000${text.replaceAll("\r\n", "\n")}`
          headers.set("Content-Type", type)
          body = text
          break
        }
        case "bytes":
          if (r.contentType) headers.set("Content-Type", r.contentType)
          body = r.body.bytes as Uint8Array<ArrayBuffer>
          break
        case "huge":
          headers.set("Content-Type", "application/json")
          body = new Uint8Array(2 * 1024 * 1024 + 1).fill(0x20)
          break
        case "none":
          break
      }
    }
    const carried = `${url.toString()} ${typeof body === "string" ? body : ""}`
    return { url: url.toString(), init: { method, headers, ...(body === undefined ? {} : { body }) }, carried }
  }

  const phase = async (own: Party, other: Party, count: number, seedOffset: number) => {
    await refreshIds(h, own)
    await refreshIds(h, other)
    const before = JSON.stringify(await snapshot(h, other.uid))
    const otherSecrets = [...other.ids, other.uid, other.email, other.token, other.session]
    const samples = fc.sample(request(own, other), { numRuns: count, seed: options.seed + seedOffset })
    for (const r of samples) {
      const { url, init, carried } = build(r, own)
      let status: number
      let text = ""
      try {
        const res = await h.app.request(url, init)
        status = res.status
        text = init.method === "HEAD" ? "" : await res.text()
      } catch (e) {
        status = 599
        text = String(e)
      }
      sent++
      byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1
      if (status >= 500) {
        serverErrors++
        if (examples.length < 10) examples.push(`${status} ${init.method} ${url.slice(0, 200)} → ${text.slice(0, 200)}`)
      }
      const leaked = otherSecrets.find((s) => s.length >= 6 && text.includes(s) && !carried.includes(s))
      if (leaked !== undefined) {
        foreignReads++
        if (examples.length < 10) examples.push(`foreign read of ${leaked}: ${init.method} ${url.slice(0, 200)}`)
      }
      if (sent % 250 === 0) {
        peakRss = Math.max(peakRss, process.memoryUsage().rss)
        // Own objects come and go (deletes, new accounts): keep aiming at live ones. A request may have expired
        // the user's own token (allowed); the operator revives it so the rest of the run is not all 401s.
        await refreshIds(h, own)
        await h.run(h.store.updateTokenExpiry(own.tokenUid, null))
      }
      if (sent % 1000 === 0) options.progress?.(sent)
      // Collection the requests asked for runs now and then, as a worker would.
      if (sent % 500 === 0) await h.drain().catch(() => undefined)
    }
    await h.drain().catch(() => undefined)
    await h.flush()
    const after = JSON.stringify(await snapshot(h, other.uid))
    if (after !== before) {
      foreignWrites++
      if (examples.length < 10) examples.push(`objects of ${other.email} changed during the other user's phase`)
    }
  }

  const half = Math.ceil(options.requests / 2)
  await phase(a, b, half, 0)
  await phase(b, a, options.requests - half, 1)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  void invite
  return { requests: sent, byStatus, serverErrors, foreignReads, foreignWrites, peakRssBytes: peakRss, baselineRssBytes: baselineRss, routes: routes.length, examples }
}
