/**
 * SMT's days: America/Chicago local days (92, 96 or 100 quarter hours long, from core's `LocalTime`) and the
 * `MM/DD/YYYY` date shape SMT speaks.
 */
import { LocalTime } from "@meterbridge/core"

/** The zone SMT reports in. */
export const CENTRAL: LocalTime.Zone = LocalTime.zone("America/Chicago")

export const QUARTER_HOUR_MS = 15 * 60_000

/** How many quarter hours the local day has: 96, or 92/100 on DST days. */
export const quarterHoursIn = (zone: LocalTime.Zone, date: LocalTime.LocalDate): number => LocalTime.minutesIn(zone, date) / 15

/** `MM/DD/YYYY`, the only date shape SMT speaks. */
export const formatSmtDate = (d: LocalTime.LocalDate): string =>
  `${String(d.month).padStart(2, "0")}/${String(d.day).padStart(2, "0")}/${String(d.year).padStart(4, "0")}`

/** Parses `MM/DD/YYYY` (SMT's JSON may escape the slashes; JSON.parse already undid that). */
export const parseSmtDate = (input: string): LocalTime.LocalDate | undefined => {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(input)
  if (!m) return undefined
  const date = { year: +m[3]!, month: +m[1]!, day: +m[2]! }
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day))
  return check.getUTCFullYear() === date.year && check.getUTCMonth() === date.month - 1 && check.getUTCDate() === date.day
    ? date
    : undefined
}
