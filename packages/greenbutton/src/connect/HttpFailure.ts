/**
 * How a Data Custodian's HTTP answers map onto `CollectorError` reasons, which tell the collection state machine
 * whether to retry (5xx, timeouts, 429), ask the customer again (401/403) or stop (an answer we cannot read).
 */
import { CollectorError, RetryAfter } from "@meterbridge/core"

/**
 * The error for a non-2xx answer to `what` (e.g. "GET …/Batch/Subscription/5"). `nowMs` is the caller's Effect
 * `Clock` reading, so a `Retry-After` HTTP-date is measured against the time the collection runs on.
 */
export const fromStatus = (
  status: number,
  retryAfter: string | null,
  what: string,
  nowMs: number
): CollectorError.CollectorError => {
  if (status === 429) {
    return CollectorError.rateLimited(`${what}: the utility is throttling requests (429)`, RetryAfter.toMillis(retryAfter, nowMs))
  }
  if (status === 401 || status === 403) {
    return new CollectorError.CollectorError({
      reason: "AuthorizationDenied",
      message: `${what}: the utility refused the access token (${status}); the customer's authorization was revoked or expired`
    })
  }
  if (status >= 500 || status === 408) return CollectorError.unavailable(`${what}: the utility answered ${status}`)
  return CollectorError.protocolError(`${what}: unexpected HTTP ${status}`)
}

/** The error for a request that never got an answer: timeout, refused connection, TLS failure. */
export const fromThrown = (error: unknown, what: string, timeoutMs: number): CollectorError.CollectorError => {
  const name = (error as { name?: string } | null)?.name
  if (name === "TimeoutError" || name === "AbortError") {
    return CollectorError.unavailable(`${what}: no answer within ${timeoutMs} ms`)
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
  return CollectorError.unavailable(`${what}: could not reach the utility (${detail})`)
}
