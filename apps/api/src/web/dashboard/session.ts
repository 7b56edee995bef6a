/**
 * Dashboard sessions. A session is a `browser` token (the token type the
 * reference gives browser sign-ins): its secret is the `HttpOnly` cookie, its
 * record the Store's, so signing out or expiring it ends the session
 * everywhere, and `POST /api/tokens/new` accepts it. Forms carry a CSRF token
 * bound to the session; sign-in locks an email out after repeated failures.
 */
import type { Context } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import { Effect } from "effect"
import { Store, Timestamp } from "@meterbridge/core"
import { equal } from "../../shared/constantTime.ts"
import * as RequestInfo from "../../shared/RequestInfo.ts"
import { run } from "../../shared/run.ts"
import { subkey } from "../../shared/Shared.ts"
import type { Shared } from "../../shared/Shared.ts"
import * as Tokens from "../../shared/Tokens.ts"
import * as TokenSecret from "../../shared/TokenSecret.ts"

export const COOKIE = "mb_session"
export const SESSION_HOURS = 12
/** At most this many failed sign-ins per email in the window; then the email is locked until the window lapses. */
export const MAX_FAILURES = 5
export const WINDOW_MICROS = 15 * 60 * 1_000_000

export interface Session {
  readonly token: Store.TokenRecord
  readonly user: Store.UserRecord
  readonly csrf: string
  readonly isOperator: boolean
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")

export const make = (shared: Shared) => {
  const { runtime } = shared
  const hmac = crypto.subtle.importKey(
    "raw",
    subkey(runtime.config.signingKey, "dashboard-csrf") as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"]
  )
  const csrfFor = async (tokenUid: string) =>
    b64url(new Uint8Array(await crypto.subtle.sign("HMAC", await hmac, new TextEncoder().encode(tokenUid))))
  const now = () => Timestamp.fromMillis(runtime.now())

  const isOperator = (user: Store.UserRecord) =>
    runtime.config.operators !== undefined
      ? Promise.resolve(runtime.config.operators.includes(user.email))
      : run(runtime, Store.Store.use((s) => s.listUsers)).then((users) => users[0]?.uid === user.uid)

  /** The signed-in session of the request, or undefined. */
  const current = async (c: Context): Promise<Session | undefined> => {
    const secret = getCookie(c, COOKIE)
    if (!secret || !TokenSecret.isWellFormed(secret)) return undefined
    const found = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      const token = yield* store.findTokenBySecretHash(runtime.tokenHash(secret))
      if (!token || token.type !== "browser" || (token.expires !== null && token.expires <= now())) return undefined
      const user = yield* store.getUser(token.user_uid)
      return user && { token, user }
    }))
    if (!found) return undefined
    return { ...found, csrf: await csrfFor(found.token.uid), isOperator: await isOperator(found.user) }
  }

  const checkCsrf = async (session: Session, field: string | undefined) => field !== undefined && equal(field, session.csrf)

  /** "locked" while the email has too many recent failures; else checks the password and opens a session. */
  const signIn = async (c: Context, email: string, password: string): Promise<"ok" | "wrong" | "locked"> => {
    const key = email.trim().toLowerCase()
    const t = now()
    const failures = await run(runtime, Store.Store.use((s) => s.countLoginFailures(key, t - WINDOW_MICROS)))
    if (failures >= MAX_FAILURES) return "locked"
    const user = await run(runtime, Store.Store.use((s) => s.findUserByEmail(key)))
    if (!user || !(await runtime.passwords.verify(password, user.password_hash))) {
      const count = await run(runtime, Store.Store.use((s) => s.recordLoginFailure(key, t, t - WINDOW_MICROS)))
      return count >= MAX_FAILURES ? "locked" : "wrong"
    }
    await run(runtime, Store.Store.use((s) => s.clearLoginFailures(key)))
    const { secret } = await run(runtime, Tokens.create(user.uid, { type: "browser", now: t, expires: t + SESSION_HOURS * Timestamp.MICROS_PER_HOUR }))
    setCookie(c, COOKIE, secret, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/",
      secure: RequestInfo.of(c.req.raw).secure,
      maxAge: SESSION_HOURS * 3600
    })
    return "ok"
  }

  const signOut = async (c: Context, session: Session) => {
    await run(runtime, Store.Store.use((s) => s.updateTokenExpiry(session.token.uid, now())))
    runtime.tokens.forget(session.token.uid)
    deleteCookie(c, COOKIE, { path: "/" })
  }

  return { current, checkCsrf, signIn, signOut }
}

export type Sessions = ReturnType<typeof make>
