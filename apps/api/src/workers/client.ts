/**
 * The client of a request on Workers, for per-address limits: `CF-Connecting-IP`,
 * which Cloudflare's edge sets on every request from the internet (overwriting
 * any value the client sent) and `wrangler dev` sets too. It stands where Node
 * and Bun have the socket's peer, so `METERBRIDGE_TRUSTED_PROXIES` applies the
 * same way: only when it names a trusted proxy in front of Cloudflare does
 * `X-Forwarded-For` (to which the edge appends that address) name the client.
 * Without the header (a service binding, a test) the address is unknown and
 * per-address limits do not apply.
 */
import * as RequestInfo from "../shared/RequestInfo.ts"

export const cloudflareClient = (trustedProxies: ReadonlySet<string>) => (request: Request): RequestInfo.RequestInfo =>
  RequestInfo.resolve(request.headers.get("cf-connecting-ip") ?? undefined, request, trustedProxies)
