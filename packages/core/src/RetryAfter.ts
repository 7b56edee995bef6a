/**
 * The one reader of HTTP `Retry-After` (RFC 9110 §10.2.3) for every adapter: utilities send delay-seconds or an
 * HTTP-date, and `CollectorError.rateLimited` wants milliseconds. `nowMs` is the caller's clock, so an HTTP-date is
 * measured against the same time the caller runs on.
 */

/** Milliseconds to wait from `nowMs`; undefined when the header is absent or unreadable (the state machine's backoff applies). */
export const toMillis = (header: string | null | undefined, nowMs: number): number | undefined => {
  const value = header?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  // Every HTTP-date form names its month; without one, Date.parse would read "1.5" or "-5" as some date.
  if (!/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}
