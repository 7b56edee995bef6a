/**
 * What the app knows about a request beyond its URL and headers: an id for
 * logs, the client's address (the key of per-address rate limits) and
 * whether the client reached us over TLS (for `Secure` cookies). The
 * runtime's entrypoint knows the peer address; behind a TLS-terminating
 * proxy only the proxies it trusts may name the client (`X-Forwarded-For`,
 * `X-Forwarded-Proto`), anyone else's such headers are ignored.
 */
export interface RequestInfo {
  readonly id: string
  readonly address: string
  readonly secure: boolean
  /** The matched route pattern, once a surface has routed the request (for metrics). */
  route?: string
}

/**
 * The address of a request whose runtime named no client (an embedding without the `client` hook, in-process
 * tests): per-address limits do not apply to it, since every such request would share one key.
 */
export const UNKNOWN = "unknown"

/**
 * Kept on the request object itself under a private symbol: every request pays this twice or more, and a
 * property costs far less than a WeakMap entry (whose ephemeron the garbage collector must also trace).
 */
const INFO: unique symbol = Symbol("meterbridge.requestInfo")
type WithInfo = Request & { [INFO]?: RequestInfo }

export const attach = (request: Request, info: RequestInfo): void => {
  ;(request as WithInfo)[INFO] = info
}

/** The request's info; a request that came in without one (an embedding, a test) gets a fresh id and no address. */
export const of = (request: Request): RequestInfo => {
  let info = (request as WithInfo)[INFO]
  if (info === undefined) {
    info = { id: newId(request.headers), address: UNKNOWN, secure: request.url.startsWith("https:") }
    attach(request, info)
  }
  return info
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** A proxy's `X-Request-Id` when it looks like one (it ends up in logs), else a new one. */
export const newId = (headers: Headers): string => {
  const given = headers.get("x-request-id")
  return given !== null && INCOMING_ID.test(given) ? given : crypto.randomUUID()
}

/** `::ffff:127.0.0.1` is 127.0.0.1: one client, one rate-limit key. */
export const normalizeAddress = (address: string): string => {
  const a = address.trim().toLowerCase()
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a
}

/**
 * The client behind `peer`: when `peer` is a trusted proxy, the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy (entries further
 * left are whatever the client claimed), and `X-Forwarded-Proto` for TLS.
 */
export const resolve = (
  peer: string | undefined,
  request: Request,
  trustedProxies: ReadonlySet<string>
): RequestInfo => {
  const id = newId(request.headers)
  const direct = peer === undefined ? UNKNOWN : normalizeAddress(peer)
  if (!trustedProxies.has(direct)) return { id, address: direct, secure: request.url.startsWith("https:") }
  const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map(normalizeAddress).filter((h) => h !== "")
  let address = direct
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i]!
    if (!trustedProxies.has(address)) break
  }
  const proto = (request.headers.get("x-forwarded-proto") ?? "").split(",")[0]!.trim().toLowerCase()
  return { id, address, secure: proto === "" ? request.url.startsWith("https:") : proto === "https" }
}
