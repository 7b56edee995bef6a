/**
 * A sandbox Green Button Connect Data Custodian (a Hono app): the consent page, the OAuth token endpoint
 * (authorization_code, refresh_token, client_credentials, client Basic auth), the ESPI resource tree with
 * `published-min/max`, ReadServiceStatus, Notification pushes to the third party, and switchable faults.
 * Runs over plain HTTP; mutual TLS is the server's business (see the PG&E adapter's sandbox).
 */
import { Result } from "effect"
import { Hono, type Context } from "hono"
import { formatBatchList } from "../connect/Notification.ts"
import * as Scope from "../connect/Scope.ts"
import { writeEspiFeed } from "../EspiWriter.ts"
import { consentPage } from "./ConsentPage.ts"
import { generate, type SandboxCustomer, type SandboxUsagePoint } from "./Dataset.ts"
import { feedOf, type FeedQuirks, type FeedSelection, usagePointFeed, type Window, writerUsagePoint } from "./Feeds.ts"

/**
 * unavailable: 503 HTML page. rateLimited: 429 with Retry-After. malformed: 200 with a cut-off document.
 * slow: every answer waits `slowMs`. revoked: customer tokens are refused (401) and refresh fails (invalid_grant).
 * expired: every access token issued so far lapses at once (refresh still works).
 */
export type Fault = "unavailable" | "rateLimited" | "malformed" | "slow" | "revoked" | "expired"

export interface DataCustodianOptions {
  /** Utility id, e.g. "PG&E". */
  readonly utility: string
  readonly utilityName?: string
  readonly customers?: ReadonlyArray<SandboxCustomer>
  readonly clientId: string
  readonly clientSecret: string
  /**
   * The client's registered redirect URIs: `redirect_uri` must equal one of them. Without them only a URI on the
   * sandbox's own origin (`publicBaseUrl`, else the request's) or on loopback (RFC 8252 §7.3) is accepted, so an
   * in-process mount and tests work unconfigured while the sandbox never redirects a browser to a third site.
   */
  readonly redirectUris?: ReadonlyArray<string>
  readonly accessTokenSeconds?: number
  /** Where Notification BatchLists are POSTed. */
  readonly thirdPartyNotifyUri?: string
  /** POST a BatchList to `thirdPartyNotifyUri` as soon as a customer consents (PG&E delivers data this way). */
  readonly notifyOnConsent?: boolean
  readonly slowMs?: number
  readonly retryAfterSeconds?: number
  readonly quirks?: FeedQuirks
  /**
   * The sandbox's public base URL, when it is mounted under a prefix (`https://host/sandbox/pge`); resourceURIs and
   * hrefs are built from it. Default: the origin of each request.
   */
  readonly publicBaseUrl?: string
  /** The `updated`/`published` stamp of every entry, epoch seconds; fixed so feeds are reproducible. */
  readonly updated?: number
  /** The Data Custodian's clock, epoch milliseconds (token lifetimes); default the real time. Tests move it. */
  readonly now?: () => number
}

export interface Subscription {
  readonly id: string
  readonly authorizationId: string
  readonly username: string
  readonly scope: string
  status: "active" | "revoked"
}

interface AccessToken {
  readonly subscriptionId: string | null
  expiresAt: number
}

export interface DataCustodian {
  readonly app: Hono
  readonly dataset: ReadonlyArray<SandboxCustomer>
  readonly faults: { set(fault: Fault | null): void; readonly current: Fault | null }
  readonly subscriptions: ReadonlyMap<string, Subscription>
  /** Revokes one subscription for good, as a customer does on the utility's website. */
  readonly revoke: (subscriptionId: string) => void
  /** POSTs a BatchList naming the subscriptions' Batch resources to `thirdPartyNotifyUri`; resolves to its status. */
  readonly notify: (baseUrl: string, subscriptionIds?: ReadonlyArray<string>) => Promise<number>
  /** Token requests seen, for tests that check client authentication. */
  readonly tokenRequests: ReadonlyArray<{ readonly grantType: string; readonly basicAuth: boolean }>
}

/** The form fields of a request, or undefined when the body is not a well-formed form (a client error, not a 500). */
const formBody = async (c: Context): Promise<Record<string, string | File | Array<string | File>> | undefined> => {
  try {
    return await c.req.parseBody()
  } catch {
    return undefined
  }
}

/** Rows each in-memory table (codes, tokens, subscriptions) keeps: a flood drops the oldest instead of growing memory. */
export const MAX_ENTRIES = 10_000
/** Token requests remembered for tests. */
const MAX_TOKEN_REQUESTS = 1_000

/** Sets `key`, first dropping the oldest row (Maps iterate in insertion order) when the table is full. */
const remember = <K, V>(table: Map<K, V>, key: K, value: V) => {
  if (table.size >= MAX_ENTRIES && !table.has(key)) table.delete(table.keys().next().value!)
  table.set(key, value)
}

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"])

const randomToken = () => {
  const bytes = new Uint8Array(20)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding. */
const basicCredentials = (header: string | undefined): { id: string; secret: string } | undefined => {
  if (header === undefined || !/^basic /i.test(header)) return undefined
  let decoded: string
  try {
    decoded = atob(header.slice(6).trim())
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(":")
  if (colon < 0) return undefined
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "))
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}

const streamOf = (chunks: AsyncIterable<string>): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder()
  const iterator = chunks[Symbol.asyncIterator]()
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await iterator.next()
      if (done) controller.close()
      else controller.enqueue(encoder.encode(value))
    },
    async cancel() {
      await iterator.return?.()
    }
  })
}

const ATOM = { "content-type": "application/atom+xml; charset=utf-8" }

export const makeDataCustodian = (options: DataCustodianOptions): DataCustodian => {
  const customers = options.customers ?? generate()
  const utilityName = options.utilityName ?? options.utility
  const accessTokenSeconds = options.accessTokenSeconds ?? 3600
  const slowMs = options.slowMs ?? 1500
  const retryAfterSeconds = options.retryAfterSeconds ?? 7
  const quirks = options.quirks ?? {}
  const updated = options.updated ?? 1_700_000_000
  const now = options.now ?? Date.now
  let fault: Fault | null = null

  const codes = new Map<string, { username: string; scope: string; redirectUri: string; used: boolean }>()
  const subscriptions = new Map<string, Subscription>()
  const accessTokens = new Map<string, AccessToken>()
  const refreshTokens = new Map<string, string>()
  const tokenRequests: Array<{ grantType: string; basicAuth: boolean }> = []
  let nextId = 1

  const customer = (username: string) => customers.find((c) => c.username === username)
  const baseOf = (c: Context) => options.publicBaseUrl?.replace(/\/$/, "") ?? new URL(c.req.url).origin
  const resourceRoot = (c: Context) => `${baseOf(c)}/espi/1_1/resource`

  const app = new Hono()

  // Faults apply to every machine-to-machine call; the consent page stays up so a customer can still approve.
  app.use("*", async (c, next) => {
    if (c.req.path.startsWith("/oauth/authorize")) return next()
    if (fault === "slow") await new Promise((r) => setTimeout(r, slowMs))
    if (fault === "unavailable") {
      return c.html("<html><body><h1>503 Service Unavailable</h1><p>Scheduled maintenance.</p></body></html>", 503)
    }
    if (fault === "rateLimited") {
      return c.body("Too many requests", 429, { "retry-after": String(retryAfterSeconds), "content-type": "text/plain" })
    }
    if (fault === "malformed") {
      const half = c.req.path.startsWith("/oauth/token") ? "{\"access_token\": " : "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>urn:uuid:1</id><content><espi:IntervalBlock"
      return c.body(half, 200, c.req.path.startsWith("/oauth/token") ? { "content-type": "application/json" } : ATOM)
    }
    return next()
  })

  const oauthRedirect = (redirectUri: string, params: Record<string, string>) => {
    const url = new URL(redirectUri)
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
    return url.href
  }

  const renderConsent = (c: Context, q: Record<string, string | undefined>, error?: string, status: 200 | 401 = 200) =>
    c.html(
      consentPage({
        utilityName,
        clientId: q["client_id"] ?? "",
        redirectUri: q["redirect_uri"] ?? "",
        scope: q["scope"] ?? "",
        state: q["state"] ?? "",
        ...(q["login_hint"] ? { loginHint: q["login_hint"] } : {}),
        ...(error ? { error } : {}),
        customers: customers.map((x) => x.username)
      }),
      status
    )

  const registered = (c: Context, redirectUri: string) => {
    if (options.redirectUris) return options.redirectUris.includes(redirectUri)
    const url = new URL(redirectUri)
    return url.origin === new URL(baseOf(c)).origin || (url.protocol === "http:" && LOOPBACK.has(url.hostname))
  }

  /** The checks RFC 6749 §4.1.2.1 requires before redirecting: a bad client or redirect_uri is never redirected to. */
  const checkClient = (c: Context, q: Record<string, string | undefined>): string | undefined => {
    if (q["client_id"] !== options.clientId) return `Unknown client_id "${q["client_id"] ?? ""}".`
    const redirectUri = q["redirect_uri"]
    if (!redirectUri || !URL.canParse(redirectUri)) return "redirect_uri is missing or not an absolute URL."
    if (!registered(c, redirectUri)) return `redirect_uri ${redirectUri} is not registered for this client.`
    return undefined
  }

  app.get("/oauth/authorize", (c) => {
    const q = c.req.query()
    const bad = checkClient(c, q)
    if (bad) return c.html(`<html><body><h1>Invalid request</h1><p>${bad.replace(/</g, "&lt;")}</p></body></html>`, 400)
    const state = q["state"] ?? ""
    if (q["response_type"] !== "code") {
      return c.redirect(oauthRedirect(q["redirect_uri"]!, { error: "unsupported_response_type", state }), 302)
    }
    if (Result.isFailure(Scope.parse(q["scope"] ?? ""))) {
      return c.redirect(oauthRedirect(q["redirect_uri"]!, { error: "invalid_scope", state }), 302)
    }
    return renderConsent(c, q)
  })

  app.post("/oauth/authorize", async (c) => {
    const body = await formBody(c)
    if (body === undefined) return c.html("<html><body><h1>Invalid request</h1><p>The form body is malformed.</p></body></html>", 400)
    const q = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v : undefined]))
    const bad = checkClient(c, q)
    if (bad) return c.html(`<html><body><h1>Invalid request</h1><p>${bad.replace(/</g, "&lt;")}</p></body></html>`, 400)
    const redirectUri = q["redirect_uri"]!
    const state = q["state"] ?? ""
    if (q["decision"] !== "approve") {
      return c.redirect(
        oauthRedirect(redirectUri, { error: "access_denied", error_description: "The customer declined", state }),
        302
      )
    }
    const username = q["username"] ?? ""
    if (customer(username) === undefined) return renderConsent(c, q, `No customer "${username}" in this sandbox.`, 401)
    const code = randomToken()
    remember(codes, code, { username, scope: q["scope"] ?? "", redirectUri, used: false })
    return c.redirect(oauthRedirect(redirectUri, { code, state }), 302)
  })

  const issue = (root: string, subscriptionId: string | null, scope: string) => {
    const accessToken = randomToken()
    remember(accessTokens, accessToken, { subscriptionId, expiresAt: now() + accessTokenSeconds * 1000 })
    const sub = subscriptionId === null ? undefined : subscriptions.get(subscriptionId)
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: accessTokenSeconds,
      scope,
      ...(sub
        ? {
          resourceURI: `${root}/Batch/Subscription/${sub.id}`,
          authorizationURI: `${root}/Authorization/${sub.authorizationId}`
        }
        : { resourceURI: `${root}/ReadServiceStatus`, authorizationURI: `${root}/Authorization` })
    }
  }

  const tokenError = (c: Context, status: 400 | 401, error: string, description: string) =>
    c.json({ error, error_description: description }, status, {
      "cache-control": "no-store",
      ...(status === 401 ? { "www-authenticate": "Basic realm=\"oauth\"" } : {})
    })

  app.post("/oauth/token", async (c) => {
    const body = await formBody(c)
    if (body === undefined) return tokenError(c, 400, "invalid_request", "The request body is not a well-formed form")
    const field = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : undefined)
    const grantType = field("grant_type") ?? ""
    const creds = basicCredentials(c.req.header("authorization"))
    if (tokenRequests.length >= MAX_TOKEN_REQUESTS) tokenRequests.shift()
    tokenRequests.push({ grantType, basicAuth: creds !== undefined })
    if (creds === undefined || creds.id !== options.clientId || creds.secret !== options.clientSecret) {
      return tokenError(c, 401, "invalid_client", "Client authentication failed: use HTTP Basic with the client id and secret")
    }
    const root = resourceRoot(c)
    if (grantType === "authorization_code") {
      const code = field("code") ?? ""
      const grant = codes.get(code)
      if (grant === undefined || grant.used) return tokenError(c, 400, "invalid_grant", "Unknown or used authorization code")
      if (field("redirect_uri") !== grant.redirectUri) return tokenError(c, 400, "invalid_grant", "redirect_uri does not match")
      grant.used = true
      const id = String(nextId++)
      remember(subscriptions, id, { id, authorizationId: id, username: grant.username, scope: grant.scope, status: "active" })
      const refreshToken = randomToken()
      remember(refreshTokens, refreshToken, id)
      if (options.notifyOnConsent) void notify(baseOf(c), [id]).catch(() => undefined)
      return c.json({ ...issue(root, id, grant.scope), refresh_token: refreshToken }, 200, { "cache-control": "no-store" })
    }
    if (grantType === "refresh_token") {
      const id = refreshTokens.get(field("refresh_token") ?? "")
      const sub = id === undefined ? undefined : subscriptions.get(id)
      if (sub === undefined || sub.status === "revoked" || fault === "revoked") {
        return tokenError(c, 400, "invalid_grant", "The authorization was revoked")
      }
      return c.json(issue(root, sub.id, sub.scope), 200, { "cache-control": "no-store" })
    }
    if (grantType === "client_credentials") {
      return c.json(issue(root, null, field("scope") ?? "FB=34_35"), 200, { "cache-control": "no-store" })
    }
    return tokenError(c, 400, "unsupported_grant_type", `grant_type "${grantType}" is not supported`)
  })

  /** The token's record, or the 401/403 answer. Client tokens pass only where `clientOk`. */
  const authorize = (c: Context, subscriptionId: string | null) => {
    const header = c.req.header("authorization") ?? ""
    const token = /^bearer /i.test(header) ? accessTokens.get(header.slice(7).trim()) : undefined
    const invalid = (description: string) =>
      c.text(description, 401, { "www-authenticate": `Bearer error="invalid_token", error_description="${description}"` })
    if (token === undefined) return invalid("Unknown access token")
    if (token.expiresAt <= now()) return invalid("The access token expired")
    if (token.subscriptionId !== null) {
      const sub = subscriptions.get(token.subscriptionId)
      if (sub === undefined || sub.status === "revoked" || fault === "revoked") return invalid("The authorization was revoked")
    }
    if (subscriptionId !== null && token.subscriptionId !== subscriptionId) {
      return c.text("This token does not grant that subscription", 403)
    }
    return undefined
  }

  const windowOf = (c: Context): Window | string => {
    const read = (k: string) => {
      const v = c.req.query(k)
      if (v === undefined) return undefined
      const ms = Date.parse(v)
      return Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(v) ? Number.NaN : Math.floor(ms / 1000)
    }
    const min = read("published-min")
    const max = read("published-max")
    if (Number.isNaN(min) || Number.isNaN(max)) return "published-min/max must be xs:dateTime values, e.g. 2024-01-01T00:00:00Z"
    return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }
  }

  const pointsOf = (subscriptionId: string): ReadonlyArray<SandboxUsagePoint> => {
    const sub = subscriptions.get(subscriptionId)
    return sub === undefined ? [] : customer(sub.username)?.usagePoints ?? []
  }

  const serveFeed = (
    c: Context,
    subscriptionId: string,
    usagePointId: string | undefined,
    select: FeedSelection
  ) => {
    const denied = authorize(c, subscriptionId)
    if (denied) return denied
    const window = windowOf(c)
    if (typeof window === "string") return c.text(window, 400)
    const points = pointsOf(subscriptionId).filter((up) => usagePointId === undefined || up.id === usagePointId)
    if (usagePointId !== undefined && points.length === 0) return c.text(`No UsagePoint ${usagePointId}`, 404)
    if (select.meterReadingId !== undefined && !points.some((p) => p.channels.some((ch) => ch.id === select.meterReadingId))) {
      return c.text(`No MeterReading ${select.meterReadingId}`, 404)
    }
    const feed = feedOf(
      baseOf(c),
      subscriptionId,
      points.map((up) => writerUsagePoint(up, window, quirks, select)),
      updated
    )
    return c.body(streamOf(writeEspiFeed(feed)), 200, ATOM)
  }

  const R = "/espi/1_1/resource"
  app.get(`${R}/ReadServiceStatus`, (c) => {
    const denied = authorize(c, null)
    if (denied) return denied
    return c.body(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ServiceStatus xmlns="http://naesb.org/espi"><currentStatus>1</currentStatus></ServiceStatus>\n`,
      200,
      { "content-type": "application/xml; charset=utf-8" }
    )
  })
  app.get(`${R}/Authorization/:id`, (c) => {
    const sub = [...subscriptions.values()].find((s) => s.authorizationId === c.req.param("id"))
    if (sub === undefined) return c.text("No such authorization", 404)
    const header = c.req.header("authorization") ?? ""
    const token = accessTokens.get(header.replace(/^bearer /i, "").trim())
    // The third party's client token reads any of its authorizations; a customer token only its own.
    if (token === undefined || token.expiresAt <= now() || (token.subscriptionId !== null && token.subscriptionId !== sub.id)) {
      return c.text("Unauthorized", 401, { "www-authenticate": "Bearer error=\"invalid_token\"" })
    }
    const root = resourceRoot(c)
    const status = sub.status === "active" && fault !== "revoked" ? 1 : 0
    return c.body(
      `<?xml version="1.0" encoding="UTF-8"?>\n<entry xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">` +
        `<id>urn:uuid:authorization-${sub.authorizationId}</id><link rel="self" href="${root}/Authorization/${sub.authorizationId}"/>` +
        `<title>Authorization</title><content><espi:Authorization><espi:status>${status}</espi:status>` +
        `<espi:scope>${sub.scope.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</espi:scope>` +
        `<espi:resourceURI>${root}/Batch/Subscription/${sub.id}</espi:resourceURI>` +
        `<espi:authorizationURI>${root}/Authorization/${sub.authorizationId}</espi:authorizationURI>` +
        `</espi:Authorization></content></entry>\n`,
      200,
      ATOM
    )
  })
  app.get(`${R}/Batch/Subscription/:sid`, (c) => serveFeed(c, c.req.param("sid"), undefined, {}))
  app.get(`${R}/Batch/Subscription/:sid/UsagePoint/:uid`, (c) => serveFeed(c, c.req.param("sid"), c.req.param("uid"), {}))
  app.get(`${R}/Subscription/:sid/UsagePoint`, (c) => {
    const sid = c.req.param("sid")
    const denied = authorize(c, sid)
    if (denied) return denied
    return c.body(usagePointFeed(baseOf(c), sid, pointsOf(sid), updated), 200, ATOM)
  })
  app.get(`${R}/Subscription/:sid/UsagePoint/:uid`, (c) =>
    serveFeed(c, c.req.param("sid"), c.req.param("uid"), { readings: false, summaries: false }))
  app.get(`${R}/Subscription/:sid/UsagePoint/:uid/UsageSummary`, (c) =>
    serveFeed(c, c.req.param("sid"), c.req.param("uid"), { readings: false }))
  app.get(`${R}/Subscription/:sid/UsagePoint/:uid/MeterReading`, (c) =>
    serveFeed(c, c.req.param("sid"), c.req.param("uid"), { summaries: false }))
  app.get(`${R}/Subscription/:sid/UsagePoint/:uid/MeterReading/:mid`, (c) =>
    serveFeed(c, c.req.param("sid"), c.req.param("uid"), { summaries: false, meterReadingId: c.req.param("mid") }))
  app.get(`${R}/Subscription/:sid/UsagePoint/:uid/MeterReading/:mid/IntervalBlock`, (c) =>
    serveFeed(c, c.req.param("sid"), c.req.param("uid"), { summaries: false, meterReadingId: c.req.param("mid") }))

  const notify = async (baseUrl: string, ids?: ReadonlyArray<string>): Promise<number> => {
    if (options.thirdPartyNotifyUri === undefined) throw new Error("No thirdPartyNotifyUri configured")
    const chosen = ids ?? [...subscriptions.values()].filter((s) => s.status === "active").map((s) => s.id)
    const body = formatBatchList(chosen.map((id) => `${baseUrl}${R}/Batch/Subscription/${id}`))
    const response = await fetch(options.thirdPartyNotifyUri, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body
    })
    await response.body?.cancel()
    return response.status
  }

  return {
    app,
    dataset: customers,
    faults: {
      set(next) {
        fault = next
        if (next === "expired") for (const t of accessTokens.values()) t.expiresAt = now() - 1
      },
      get current() {
        return fault
      }
    },
    subscriptions,
    revoke: (id) => {
      const sub = subscriptions.get(id)
      if (sub) sub.status = "revoked"
    },
    notify,
    tokenRequests
  }
}
