import { Schema } from "effect"

/**
 * Why a utility interaction failed. The collection state machine decides
 * from the reason alone whether to retry, wait for the customer, or stop.
 */
export const CollectorErrorReason = Schema.Literals([
  /** The utility refused the customer's login; retrying cannot help. */
  "InvalidCredentials",
  /** The submitted access fields are malformed for this utility (bad ESIID, missing field). */
  "InvalidAccess",
  /** The user's third-party registration with the utility is not live, so only test accounts work. */
  "RegistrationNotLive",
  /** The customer has not yet approved access (OAuth consent, SMT email confirmation). */
  "AuthorizationPending",
  /** The customer declined, or the authorization expired or was revoked. */
  "AuthorizationDenied",
  /** The utility is down, timed out or answered 5xx: retry later. */
  "UtilityUnavailable",
  /** The utility throttled us: retry after `retryAfterMs`. */
  "RateLimited",
  /** The utility answered something we cannot read. */
  "ProtocolError",
  /** This utility cannot do what was asked. */
  "Unsupported"
])
export type CollectorErrorReason = typeof CollectorErrorReason.Type

export class CollectorError extends Schema.TaggedError<CollectorError>()("CollectorError", {
  reason: CollectorErrorReason,
  message: Schema.String,
  retryAfterMs: Schema.optionalKey(Schema.Number)
}) {
  /** Transient failures: the state machine retries these with backoff. */
  get retryable(): boolean {
    return this.reason === "UtilityUnavailable" || this.reason === "RateLimited"
  }
}

export const invalidCredentials = (message = "Login credentials don't seem to work.") =>
  new CollectorError({ reason: "InvalidCredentials", message })
export const invalidAccess = (message: string) => new CollectorError({ reason: "InvalidAccess", message })
export const unavailable = (message: string) => new CollectorError({ reason: "UtilityUnavailable", message })
export const rateLimited = (message: string, retryAfterMs?: number) =>
  new CollectorError(
    retryAfterMs === undefined ? { reason: "RateLimited", message } : { reason: "RateLimited", message, retryAfterMs }
  )
export const protocolError = (message: string) => new CollectorError({ reason: "ProtocolError", message })
