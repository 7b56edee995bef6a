/**
 * What every surface shares, built once per app: one rate limit per token
 * whichever surface it calls, one request counter, one signing key per purpose.
 */
import type { Runtime } from "../Runtime.ts"
import * as ConfirmationCode from "./ConfirmationCode.ts"
import * as Csrf from "./Csrf.ts"
import * as RateLimit from "./rateLimit.ts"
import * as RequestCounter from "./RequestCounter.ts"

export const DEFAULT_ANONYMOUS_RATE_LIMIT = 20
export const DEFAULT_SIGNUP_RATE_LIMIT = 30

export interface Shared {
  readonly runtime: Runtime
  readonly limiter: RateLimit.RateLimiter
  /** Per client address: anonymous requests and failed authentications, per second. */
  readonly addresses: RateLimit.RateLimiter
  /** Per client address: sign-up attempts per 10 minutes. */
  readonly signups: RateLimit.RateLimiter
  readonly counter: RequestCounter.RequestCounter
  readonly codes: ConfirmationCode.Signer
  /** Wrong confirmation codes per token: more than 5 in 10 minutes answers 429. */
  readonly codeFailures: RateLimit.RateLimiter
  readonly csrf: Csrf.Csrf
}

/** Distinct keys per purpose from one secret, so a CSRF token can never pass as a confirmation code. */
export const subkey = (key: Uint8Array, label: string): Uint8Array => {
  const out = new Uint8Array(key.length + label.length)
  out.set(key)
  out.set(new TextEncoder().encode(label), key.length)
  return out
}

export const make = (runtime: Runtime): Shared => ({
  runtime,
  limiter: RateLimit.make(runtime.config.rateLimit, runtime.now),
  addresses: RateLimit.make(runtime.config.anonymousRateLimit ?? DEFAULT_ANONYMOUS_RATE_LIMIT, runtime.now),
  signups: RateLimit.make(runtime.config.signupRateLimit ?? DEFAULT_SIGNUP_RATE_LIMIT, runtime.now, 10 * 60_000),
  counter: RequestCounter.make(runtime),
  codes: ConfirmationCode.make(subkey(runtime.config.signingKey, "confirmation-code")),
  codeFailures: RateLimit.make(5, runtime.now, 10 * 60_000),
  csrf: Csrf.make(subkey(runtime.config.signingKey, "csrf"))
})
