/**
 * Wall-clock days in a utility's time zone, mapped to UTC. SMT reports in
 * America/Chicago local days, so a day is 92, 96 or 100 quarter hours long.
 * Offsets come from `Intl.DateTimeFormat`, which every runtime ships.
 */

/** A calendar date, month 1–12. */
export interface LocalDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

export const QUARTER_HOUR_MS = 15 * 60_000
const DAY_MS = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string) => {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** The wall-clock reading in `timeZone` at the instant `utcMs`, as if it were UTC. */
const wallClockMs = (timeZone: string, utcMs: number): number => {
  const parts: Record<string, number> = {}
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value)
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
}

/** Minutes the zone is ahead of UTC at `utcMs` (America/Chicago: -360 in winter, -300 in summer). */
export const offsetMinutes = (timeZone: string, utcMs: number): number =>
  Math.round((wallClockMs(timeZone, Math.floor(utcMs / 1000) * 1000) - Math.floor(utcMs / 1000) * 1000) / 60_000)

/**
 * The UTC instant of a local wall-clock time. A time that occurs twice (the
 * fall-back hour) resolves to the `earlier` or `later` of the two; a time that
 * never occurs (the spring-forward hour) returns undefined.
 */
export const localToUtc = (
  timeZone: string,
  date: LocalDate,
  minuteOfDay: number,
  pick: "earlier" | "later" = "earlier"
): number | undefined => {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000
  // Both candidate offsets are the zone's offsets a day either side of the instant.
  const candidates = new Set([offsetMinutes(timeZone, wall - DAY_MS), offsetMinutes(timeZone, wall + DAY_MS)])
  const matches = [...candidates]
    .map((off) => wall - off * 60_000)
    .filter((utc) => wallClockMs(timeZone, utc) === wall)
    .sort((a, b) => a - b)
  if (matches.length === 0) return undefined
  return pick === "earlier" ? matches[0] : matches[matches.length - 1]
}

export const nextDate = (d: LocalDate): LocalDate => {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + 1))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

/** UTC instant of local midnight starting `date` (midnight always exists in US zones, which shift at 02:00). */
export const startOfDay = (timeZone: string, date: LocalDate): number => localToUtc(timeZone, date, 0)!

/** How many quarter hours the local day has: 96, or 92/100 on DST days. */
export const quarterHoursIn = (timeZone: string, date: LocalDate): number =>
  (startOfDay(timeZone, nextDate(date)) - startOfDay(timeZone, date)) / QUARTER_HOUR_MS

/** The local calendar date containing the instant. */
export const dateAt = (timeZone: string, utcMs: number): LocalDate => {
  const t = new Date(wallClockMs(timeZone, utcMs))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

export const compareDates = (a: LocalDate, b: LocalDate): number =>
  Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)

/** Local dates from `first` to `last`, both included. */
export const datesBetween = (first: LocalDate, last: LocalDate): Array<LocalDate> => {
  const out: Array<LocalDate> = []
  for (let d = first; compareDates(d, last) <= 0; d = nextDate(d)) out.push(d)
  return out
}

/** `MM/DD/YYYY`, the only date shape SMT speaks. */
export const formatSmtDate = (d: LocalDate): string =>
  `${String(d.month).padStart(2, "0")}/${String(d.day).padStart(2, "0")}/${String(d.year).padStart(4, "0")}`

/** Parses `MM/DD/YYYY` (SMT's JSON may escape the slashes; JSON.parse already undid that). */
export const parseSmtDate = (input: string): LocalDate | undefined => {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(input)
  if (!m) return undefined
  const date = { year: +m[3]!, month: +m[1]!, day: +m[2]! }
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day))
  return check.getUTCFullYear() === date.year && check.getUTCMonth() === date.month - 1 && check.getUTCDate() === date.day
    ? date
    : undefined
}
