/**
 * Headers on every response, and a request log that never contains the
 * token: `?access_token=` is part of the API (compatibility), so its
 * compensating controls live here (no caching, no Referer, redacted logs).
 */
import type { MiddlewareHandler } from "hono"
import { matchedRoutes } from "hono/route"
import * as RequestInfo from "./RequestInfo.ts"
import type { AppEnv } from "../v1/AppEnv.ts"

export const securityHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next()
  // The matched route's pattern (the last handler's, not this middleware's "*"), for per-route metrics.
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL")
  const route = handlers[handlers.length - 1]?.path
  if (route !== undefined) RequestInfo.of(c.req.raw).route = route
  c.res.headers.set("Cache-Control", "no-store")
  c.res.headers.set("Referrer-Policy", "no-referrer")
  c.res.headers.set("X-Content-Type-Options", "nosniff")
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
