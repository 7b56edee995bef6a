/**
 * What a customer's authorization covers, as a form asks for it: how long it
 * lasts. One set of rules for every surface that accepts a scope.
 */
import { parseDateOrTimestamp, type Micros } from "./Timestamp.ts"

/** The default of UtilityAPI's forms: three years. */
export const DEFAULT_EXPIRES = "3y"
export const UNTIL_REVOKED = "until_revoked"

const DURATION = /^(\d{1,4})([dmy])$/
const MAX_YEARS = 10

/** Why an `expires` value was refused, for the surface's error. */
export type ExpiresProblem = string

/**
 * Checks an `expires` value: a duration (`30d`, `6m`, `3y`), an ISO 8601
 * instant or date in the future, or `until_revoked`. Returns the canonical
 * text to keep on the form, or the problem.
 */
export const validateExpires = (value: string, now: Micros): { readonly ok: string } | { readonly problem: ExpiresProblem } => {
  const v = value.trim()
  if (v === UNTIL_REVOKED) return { ok: v }
  const m = DURATION.exec(v)
  if (m) {
    const n = Number(m[1])
    const years = m[2] === "y" ? n : m[2] === "m" ? n / 12 : n / 365
    if (n === 0) return { problem: "\"expires\" must be a positive duration." }
    if (years > MAX_YEARS) return { problem: `"expires" can be at most ${MAX_YEARS} years.` }
    return { ok: v }
  }
  const t = parseDateOrTimestamp(v)
  if (t === undefined) {
    return { problem: "\"expires\" must be a duration such as 30d, 6m or 3y, an ISO 8601 timestamp or date, or \"until_revoked\"." }
  }
  if (t <= now) return { problem: "\"expires\" must be in the future." }
  if (t > resolveExpires(`${MAX_YEARS}y`, now)!) return { problem: `"expires" can be at most ${MAX_YEARS} years away.` }
  return { ok: v }
}

/** The instant a validated `expires` ends at, counted from `from` (when the customer authorizes); null until revoked. */
export const resolveExpires = (value: string, from: Micros): Micros | null => {
  if (value === UNTIL_REVOKED) return null
  const m = DURATION.exec(value)
  if (!m) return parseDateOrTimestamp(value) ?? null
  const n = Number(m[1])
  const d = new Date(from / 1000)
  if (m[2] === "d") d.setUTCDate(d.getUTCDate() + n)
  else if (m[2] === "m") d.setUTCMonth(d.getUTCMonth() + n)
  else d.setUTCFullYear(d.getUTCFullYear() + n)
  return d.getTime() * 1000 + (from % 1000)
}
