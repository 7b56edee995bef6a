/**
 * v2's error format, as UtilityAPI documents it: `{"error": "<type>",
 * "error_description": "<text>"}` with types such as `invalid_param`,
 * `required_param_missing` and `expired_or_revoked` (clients must accept
 * unknown types). Core failures map here exhaustively.
 */
import { Errors } from "@meterbridge/core"
import { failureMapper } from "../shared/failures.ts"
import { HttpError, internal } from "../shared/HttpError.ts"

export const invalidParam = (param: string, description: string) => new HttpError(400, "invalid_param", description, { field: param })
export const requiredParam = (param: string, description = `"${param}" is required.`) =>
  new HttpError(400, "required_param_missing", description, { field: param })
export const notFound = (kind: string) => new HttpError(404, "not_found", `No ${kind} with that uid.`)

/** Shared middleware speaks v1's codes; these are their v2 names. */
const V2_TYPE: Readonly<Record<string, string>> = {
  missing_field: "required_param_missing",
  invalid_field: "invalid_param",
  invalid_json: "invalid_param",
  conflicting_tokens: "invalid_param",
  unknown_utility: "invalid_param"
}

export const body = (e: HttpError) => ({ error: V2_TYPE[e.code] ?? e.code, error_description: e.message })

export const errorResponse = (e: HttpError): Response => {
  const res = new Response(JSON.stringify(body(e)), { status: e.status, headers: { "Content-Type": "application/json; charset=utf-8" } })
  for (const [k, v] of Object.entries(e.headers)) res.headers.set(k, v)
  res.headers.set("Cache-Control", "no-store")
  return res
}

export const fromDomain = (e: Errors.DomainError): HttpError => {
  switch (e._tag) {
    case "NotFound":
      return notFound("object")
    case "UnknownUtility":
      return invalidParam("utility", e.message)
    case "Conflict":
      return new HttpError(409, "conflict", e.message)
    case "InvalidInput":
      return invalidParam(e.field, e.message)
    case "NotDeletable":
      return new HttpError(403, "forbidden", e.message)
    case "ExpiredOrRevoked":
      return new HttpError(400, "expired_or_revoked", e.message)
    case "PaymentRequired":
      return new HttpError(402, "payment_required", e.message)
    case "CollectorError":
      switch (e.reason) {
        case "InvalidAccess":
        case "InvalidCredentials":
        case "Unsupported":
          return invalidParam("utility", e.message)
        case "RegistrationNotLive":
          return new HttpError(403, "incomplete_registration", e.message)
        case "AuthorizationDenied":
          return new HttpError(403, "access_denied", e.message)
        case "AuthorizationPending":
          return new HttpError(409, "authorization_pending", e.message)
        case "UtilityUnavailable":
        case "RateLimited":
        case "ProtocolError":
          return new HttpError(502, "utility_down", e.message)
        default:
          return Errors.absurd(e.reason)
      }
    case "QuotaExceeded":
      return new HttpError(403, "quota_exceeded", e.message)
    case "StoreError":
    case "VaultError":
      return internal()
    default:
      return Errors.absurd(e)
  }
}

/** Failed effects as V2 errors (see `failureMapper`). */
export const toV2Error = (log: (line: string) => void) =>
  failureMapper(log, fromDomain, new HttpError(503, "temporarily_unavailable", "The server is shutting down."))
