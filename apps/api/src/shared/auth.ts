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
import type { Shared } from "./Shared.ts"
import * as TokenSecret from "./TokenSecret.ts"

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

export const authenticate = <E extends AuthEnv>({ runtime: api, limiter, counter }: Shared): MiddlewareHandler<E> =>
async (c, next) => {
  const secret = presentedToken(c.req.url, c.req.header("authorization"))
  if (secret === undefined) throw unauthorized()
  const hash = TokenSecret.hashSync(secret)
  const wait = limiter.hit(hash)
  if (wait !== undefined) {
    throw new HttpError(429, "rate_limited", `Too many requests: at most ${api.config.rateLimit} per second per token. Retry after ${wait}s.`, {
      headers: { "Retry-After": String(wait) }
    })
  }
  const nowMs = api.now()
  // At most one query per request (none within a second of the last): a token's user always exists, so it is not loaded.
  let token = api.tokens.get(hash, nowMs)
  if (token === undefined) {
    token = await run(api, Store.Store.use((store) => store.findTokenBySecretHash(hash)))
    if (token) api.tokens.set(hash, token, nowMs)
  }
  if (!token || (token.expires !== null && token.expires <= nowMs * 1000)) throw unauthorized()
  c.set("token", token)
  c.set("userUid", token.user_uid)
  counter.add(token.uid)
  await next()
}
