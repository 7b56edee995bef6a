/** Core failures in v1's error format (`{"error", "message", "field"?}`): one exhaustive mapping. */
import { Errors } from "@meterbridge/core"
import { failureMapper } from "../shared/failures.ts"
import { badRequest, conflict, forbidden, HttpError, internal, invalidField, notFound } from "../shared/HttpError.ts"

export const fromDomain = (e: Errors.DomainError): HttpError => {
  switch (e._tag) {
    case "NotFound":
      return notFound("object")
    case "UnknownUtility":
      return badRequest("unknown_utility", e.message, "utility")
    case "Conflict":
      return conflict(e.message)
    case "InvalidInput":
      return invalidField(e.field, e.message)
    case "NotDeletable":
      return forbidden("not_deletable", e.message)
    case "ExpiredOrRevoked":
      return badRequest("expired_or_revoked", e.message)
    case "PaymentRequired":
      return new HttpError(402, "payment_required", e.message)
    case "CollectorError":
      switch (e.reason) {
        case "InvalidAccess":
        case "InvalidCredentials":
          return badRequest("invalid_access", e.message)
        case "Unsupported":
          return badRequest("unsupported", e.message)
        case "RegistrationNotLive":
          return forbidden("registration_not_live", e.message)
        case "AuthorizationDenied":
          return forbidden("authorization_denied", e.message)
        case "AuthorizationPending":
          return new HttpError(409, "authorization_pending", e.message)
        case "UtilityUnavailable":
        case "RateLimited":
        case "ProtocolError":
          return new HttpError(502, "utility_error", e.message || "The utility could not be reached; try again later.")
        default:
          return Errors.absurd(e.reason)
      }
    case "QuotaExceeded":
      return forbidden("quota_exceeded", e.message)
    case "StoreError":
    case "VaultError":
      return internal()
    default:
      return Errors.absurd(e)
  }
}

/** Failed effects as V1 errors (see `failureMapper`). */
export const toV1Error = (log: (line: string) => void) =>
  failureMapper(log, fromDomain, new HttpError(503, "interrupted", "The server is shutting down."))
