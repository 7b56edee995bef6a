/**
 * The three ways the reference lets a client present its token (plus Bearer):
 * `?access_token=`, `Authorization: Basic base64("<token>:")` and
 * `Authorization: Token <token>`. Unknown, malformed and expired tokens all
 * get the same 401 body; two different tokens in one request are a 400.
 */
import type { MiddlewareHandler } from "hono"
import { Store } from "@meterbridge/core"
import { HttpError, badRequest, unauthorized } from "./HttpError.ts"
import { run } from "./run.ts"
import * as RequestInfo from "./RequestInfo.ts"
import { DEFAULT_ANONYMOUS_RATE_LIMIT, type Shared } from "./Shared.ts"

/** What authentication hands to every surface's handlers. */
export interface AuthEnv {
  Variables: {
    /** The caller: the owner of the presented token. */
    userUid: string
    token: Store.TokenRecord
  }
}

const fromAuthorization = (header: string): string | undefined => {
  const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(header)
  if (!m) return undefined
  const scheme = m[1]!.toLowerCase()
  if (scheme === "token" || scheme === "bearer") return m[2]
  if (scheme === "basic") {
    let decoded: string
    try {
      decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(m[2]!), (ch) => ch.charCodeAt(0)))
    } catch {
      return undefined
    }
    // "<token>:" — the token is the user name, the password is empty (curl -u "token:").
    const colon = decoded.indexOf(":")
    const user = colon === -1 ? decoded : decoded.slice(0, colon)
    return user === "" ? undefined : user
  }
  return undefined
}

/** The one token a request presents, or `undefined`. Throws on conflicting or malformed credentials. */
export const presentedToken = (url: string, authorization: string | undefined): string | undefined => {
  const found = new Set<string>()
  // Most requests carry no query string: skip parsing the URL for them.
  if (url.includes("?")) for (const q of new URL(url).searchParams.getAll("access_token")) found.add(q)
  if (authorization !== undefined) {
    const t = fromAuthorization(authorization)
    if (t === undefined) throw unauthorized()
    found.add(t)
  }
  if (found.size > 1) {
    throw badRequest("conflicting_tokens", "The request carries different API tokens in different places; send exactly one.")
  }
  const [token] = found
  if (token === "") throw unauthorized()
  return token
}

/** Whether the request carries any credential at all (then `authenticate` judges it; else it is anonymous). */
export const presentsCredentials = (request: Request): boolean =>
  request.headers.has("authorization") || /[?&]access_token=/.test(request.url)

/**
 * The per-address limit on anonymous requests and failed authentications:
 * `hit` counts this request, `peek` only asks. Throws 429 when the address is
 * over it, so a flood of random tokens costs no database lookups. Needs the
 * runtime to name the client (`AppOptions.client`; the Node entrypoint does).
 */
export const tooManyFromAddress = ({ addresses, runtime }: Shared, address: string, mode: "hit" | "peek"): void => {
  if (address === RequestInfo.UNKNOWN) return
  const wait = mode === "hit" ? addresses.hit(address) : addresses.peek(address)
  if (wait !== undefined) {
    throw new HttpError(
      429,
      "rate_limited",
      `Too many requests without a valid API token from your address: at most ${runtime.config.anonymousRateLimit ?? DEFAULT_ANONYMOUS_RATE_LIMIT} per second. Retry after ${wait}s.`,
      { headers: { "Retry-After": String(wait) } }
    )
  }
}

/**
 * Whether a secret could be a token at all: 16–256 visible ASCII characters.
 * Anything else is refused without a lookup. Tokens we mint (`mbt_…`) carry a
 * checksum, but one given by the operator (`METERBRIDGE_BOOTSTRAP_TOKEN`) is
 * stored verbatim and may look like one without it, so the checksum cannot
 * decide; unknown plausible tokens cost a lookup, at most the address's
 * failure limit per second.
 */
export const plausibleToken = (secret: string): boolean => /^[\x21-\x7e]{16,256}$/.test(secret)

export const authenticate = <E extends AuthEnv>(shared: Shared): MiddlewareHandler<E> => async (c, next) => {
  const { runtime: api, limiter, counter } = shared
  const address = RequestInfo.of(c.req.raw).address
  const failed = () => {
    // A failed authentication counts against the address; the answer is the same 401 whatever was wrong.
    tooManyFromAddress(shared, address, "hit")
    return unauthorized()
  }
  let secret: string | undefined
  try {
    secret = presentedToken(c.req.url, c.req.header("authorization"))
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) throw failed()
    throw e
  }
  if (secret === undefined) throw unauthorized()
  if (!plausibleToken(secret)) throw failed()
  const hash = api.tokenHash(secret)
  const nowMs = api.now()
  // At most one query per request (none within a second of the last): a token's user always exists, so it is not loaded.
  let token = api.tokens.get(hash, nowMs)
  if (token === undefined) {
    // An address over its limit of failures gets no lookup for tokens it never authenticated with; a known token
    // is still looked up (its expiry may have changed), so a client sharing an address with an attacker keeps working.
    if (!api.tokens.seen(hash)) tooManyFromAddress(shared, address, "peek")
    token = await run(api, Store.Store.use((store) => store.findTokenBySecretHash(hash)))
    if (token) api.tokens.set(hash, token, nowMs)
  }
  if (!token || (token.expires !== null && token.expires <= nowMs * 1000)) throw failed()
  // Only valid tokens are keyed by the per-token limit, so random tokens never crowd it.
  const wait = limiter.hit(hash)
  if (wait !== undefined) {
    throw new HttpError(429, "rate_limited", `Too many requests: at most ${api.config.rateLimit} per second per token. Retry after ${wait}s.`, {
      headers: { "Retry-After": String(wait) }
    })
  }
  c.set("token", token)
  c.set("userUid", token.user_uid)
  counter.add(token.uid)
  await next()
}
