/**
 * How a surface turns a failed effect into its HTTP error: an `HttpError`
 * raised inside the effect passes through, a core failure goes through the
 * surface's own exhaustive mapping, storage faults are logged (never shown),
 * and defects are a bare 500 (503 while shutting down).
 */
import type { Errors } from "@meterbridge/core"
import type { Failure } from "../Runtime.ts"
import { HttpError, internal } from "./HttpError.ts"

export const failureMapper = (
  log: (line: string) => void,
  fromDomain: (e: Errors.DomainError) => HttpError,
  shuttingDown: HttpError
) =>
(failure: Failure<Errors.DomainError | HttpError>): HttpError => {
  if (failure._tag === "Defect") return failure.interrupted ? shuttingDown : internal()
  const e = failure.error
  if (e instanceof HttpError) return e
  if (e._tag === "StoreError" || e._tag === "VaultError") log(`[error] ${e._tag}: ${e.message}`)
  return fromDomain(e)
}
