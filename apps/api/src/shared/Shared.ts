/**
 * What every surface shares, built once per app: one rate limit per token
 * whichever surface it calls, one request counter, one signing key per purpose.
 */
import type { Runtime } from "../Runtime.ts"
import * as ConfirmationCode from "./ConfirmationCode.ts"
import * as Csrf from "./Csrf.ts"
import * as RateLimit from "./rateLimit.ts"
import * as RequestCounter from "./RequestCounter.ts"

export interface Shared {
  readonly runtime: Runtime
  readonly limiter: RateLimit.RateLimiter
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
  counter: RequestCounter.make(runtime),
  codes: ConfirmationCode.make(subkey(runtime.config.signingKey, "confirmation-code")),
  codeFailures: RateLimit.make(5, runtime.now, 10 * 60_000),
  csrf: Csrf.make(subkey(runtime.config.signingKey, "csrf"))
})
