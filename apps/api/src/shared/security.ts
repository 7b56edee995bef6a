/**
 * Headers on every response, and a request log that never contains the
 * token: `?access_token=` is part of the API (compatibility), so its
 * compensating controls live here (no caching, no Referer, redacted logs).
 */
import type { MiddlewareHandler } from "hono"
import { matchedRoutes } from "hono/route"
import * as RequestInfo from "./RequestInfo.ts"
import { CSV_TYPE, JSON_TYPE } from "./wire.ts"
import type { AppEnv } from "../v1/AppEnv.ts"

/** What every API and page response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff"
}

/** Marks responses built by `securedResponse`, which already carry SECURITY_HEADERS (a property: cheaper than a WeakSet). */
const SECURED: unique symbol = Symbol("meterbridge.secured")
type Marked = Response & { [SECURED]?: true }

/**
 * The header objects of `securedResponse` for the content types the API answers with, built once and shared by
 * every such response: Response constructors and @hono/node-server copy them before adding anything, so none is
 * ever written to. Any other type gets its own object.
 */
const SHARED_HEADERS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.fromEntries(
  [JSON_TYPE, CSV_TYPE, "application/json"].map((type) => [type, Object.freeze({ "Content-Type": type, ...SECURITY_HEADERS })])
)
const headersFor = (contentType: string): Readonly<Record<string, string>> =>
  SHARED_HEADERS[contentType] ?? { "Content-Type": contentType, ...SECURITY_HEADERS }

/**
 * A response with its headers as one plain object. On the hot paths this
 * matters: `@hono/node-server` writes such a response straight to the socket,
 * while setting a header afterwards (as `securityHeaders` must for other
 * responses) first turns it into a full `Headers` and `Response` pair, which
 * cost more than the rest of a small GET (profiled under autocannon).
 */
export const securedResponse = (body: string | ReadableStream<Uint8Array>, status: number, contentType: string): Response => {
  const res: Marked = new Response(body, { status, headers: headersFor(contentType) })
  res[SECURED] = true
  return res
}

export const securityHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next()
  // The matched route's pattern (the last handler's, not this middleware's "*"), for per-route metrics.
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL")
  const route = handlers[handlers.length - 1]?.path
  if (route !== undefined) RequestInfo.of(c.req.raw).route = route
  if ((c.res as Marked)[SECURED] === true) return
  for (const k in SECURITY_HEADERS) c.res.headers.set(k, SECURITY_HEADERS[k]!)
}

/** Query parameters that carry secrets: the API token, and an OAuth callback's authorization code. */
const SECRET_PARAMS = new Set(["access_token", "code"])

/** The URL with every secret query value replaced, for logs and error messages. */
export const redactUrl = (url: string): string => {
  const u = new URL(url)
  if (![...SECRET_PARAMS].some((p) => u.searchParams.has(p))) return `${u.pathname}${u.search}`
  const params = new URLSearchParams()
  for (const [k, v] of u.searchParams) params.append(k, SECRET_PARAMS.has(k) ? "REDACTED" : v)
  return `${u.pathname}?${params.toString()}`
}

export const requestLog = (log: (line: string) => void, now: () => number): MiddlewareHandler<AppEnv> => async (c, next) => {
  const start = now()
  await next()
  log(`${c.req.method} ${redactUrl(c.req.url)} ${c.res.status} ${now() - start}ms`)
}
