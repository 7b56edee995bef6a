/**
 * Wall-clock time in a utility's zone, mapped to and from UTC: the one place adapters turn "the local day" into
 * instants (a US day is 23, 24 or 25 hours long). Offsets come from `Intl.DateTimeFormat`, which every runtime ships,
 * so there is no tz database to carry. Instants here are epoch milliseconds, as `Date` and `Intl` speak them.
 *
 * A `Zone` holds its formatter: build it once (`LocalTime.zone("America/Chicago")`) and pass it around, because
 * building an `Intl.DateTimeFormat` costs far more than using one. Nothing is cached at module level. Code that walks
 * many instants in order (a year of quarter hours) asks `offsetSpans` for the few stretches of constant offset and
 * reads each instant with `atOffset`, instead of asking `Intl` once per instant.
 */

/** A calendar date, month 1–12. Days and months past their end roll over (`{ month: 1, day: 32 }` is February 1). */
export interface LocalDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

/** The reading of a wall clock in the zone; weekday 0 = Sunday. */
export interface WallClock extends LocalDate {
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly weekday: number
}

export interface Zone {
  /** The IANA name, e.g. `America/Los_Angeles`. */
  readonly name: string
  readonly formatter: Intl.DateTimeFormat
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

/** Throws a `RangeError` for a name the runtime does not know. */
export const zone = (name: string): Zone => ({
  name,
  formatter: new Intl.DateTimeFormat("en-US", {
    timeZone: name,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    weekday: "short"
  })
})

export const wallClock = (zone: Zone, utcMs: number): WallClock => {
  const p: Record<string, string> = {}
  for (const { type, value } of zone.formatter.formatToParts(new Date(utcMs))) p[type] = value
  return {
    year: Number(p["year"]),
    month: Number(p["month"]),
    day: Number(p["day"]),
    hour: Number(p["hour"]),
    minute: Number(p["minute"]),
    second: Number(p["second"]),
    weekday: WEEKDAYS[p["weekday"]!]!
  }
}

/** The wall clock at `utcMs` where the zone is `offsetMinutes` ahead of UTC: arithmetic only, no `Intl`. */
export const atOffset = (utcMs: number, offsetMinutes: number): WallClock => {
  const d = new Date(utcMs + offsetMinutes * MINUTE_MS)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay()
  }
}

/** The wall-clock reading at `utcMs`, as if it were a UTC instant (whole seconds). */
const wallMs = (zone: Zone, utcMs: number): number => {
  const w = wallClock(zone, utcMs)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
}

/** Minutes the zone is ahead of UTC at `utcMs` (America/Chicago: -360 in winter, -300 in summer). */
export const offsetMinutes = (zone: Zone, utcMs: number): number => {
  const whole = Math.floor(utcMs / 1000) * 1000
  return Math.round((wallMs(zone, whole) - whole) / MINUTE_MS)
}

/**
 * The UTC instant of a local wall-clock time. A time that occurs twice (the fall-back hour) resolves to the
 * `earlier` or `later` of the two; a time that never occurs (the spring-forward hour) gives undefined.
 */
export const localToUtc = (
  zone: Zone,
  date: LocalDate,
  minuteOfDay: number,
  pick: "earlier" | "later" = "earlier"
): number | undefined => {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS
  // The zone's offsets a day either side of the instant are the only candidates.
  const candidates = new Set([offsetMinutes(zone, wall - DAY_MS), offsetMinutes(zone, wall + DAY_MS)])
  const matches = [...candidates]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((utc) => wallMs(zone, utc) === wall)
    .sort((a, b) => a - b)
  if (matches.length === 0) return undefined
  return pick === "earlier" ? matches[0] : matches[matches.length - 1]
}

/** The first instant of the local day (midnight; in the few zones that skip midnight at DST, the first hour after). */
export const startOfDay = (zone: Zone, date: LocalDate): number => localToUtc(zone, date, 0) ?? localToUtc(zone, date, 60)!

export interface OffsetSpan {
  readonly startMs: number
  readonly endMs: number
  readonly offsetMinutes: number
}

/**
 * `[fromMs, toMs)` cut where the zone's offset changes. Probes once a day and bisects to the second at a change, so a
 * year costs about 400 `Intl` calls. Assumes no zone changes its offset twice within one day and back again.
 */
export const offsetSpans = (zone: Zone, fromMs: number, toMs: number): Array<OffsetSpan> => {
  const spans: Array<OffsetSpan> = []
  if (fromMs >= toMs) return spans
  let spanStart = fromMs
  let offset = offsetMinutes(zone, fromMs)
  let probe = fromMs
  while (probe < toMs) {
    const last = Math.min(probe + DAY_MS, toMs) - 1
    if (offsetMinutes(zone, last) === offset) {
      probe = last + 1
      continue
    }
    // offset(lo) is the current one and offset(hi) is not; offsets are constant within a whole second.
    let lo = probe
    let hi = last
    while (Math.floor(hi / 1000) - Math.floor(lo / 1000) > 1) {
      const mid = (Math.floor(lo / 1000) + Math.floor((Math.floor(hi / 1000) - Math.floor(lo / 1000)) / 2)) * 1000
      if (offsetMinutes(zone, mid) === offset) lo = mid
      else hi = mid
    }
    const change = Math.floor(hi / 1000) * 1000
    spans.push({ startMs: spanStart, endMs: change, offsetMinutes: offset })
    spanStart = change
    offset = offsetMinutes(zone, change)
    probe = change
  }
  spans.push({ startMs: spanStart, endMs: toMs, offsetMinutes: offset })
  return spans
}

/** The local calendar date containing the instant. */
export const dateAt = (zone: Zone, utcMs: number): LocalDate => {
  const w = wallClock(zone, utcMs)
  return { year: w.year, month: w.month, day: w.day }
}

/** The same date with overflowing days and months rolled over. */
export const normalize = (date: LocalDate): LocalDate => addDays(date, 0)

export const addDays = (date: LocalDate, days: number): LocalDate => {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

export const nextDate = (date: LocalDate): LocalDate => addDays(date, 1)

/** Length of the local day in minutes: 1440, or 1380 / 1500 on DST days. */
export const minutesIn = (zone: Zone, date: LocalDate): number =>
  (startOfDay(zone, nextDate(date)) - startOfDay(zone, date)) / MINUTE_MS

export const compareDates = (a: LocalDate, b: LocalDate): number =>
  Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)

/** Local dates from `first` to `last`, both included. */
export const datesBetween = (first: LocalDate, last: LocalDate): Array<LocalDate> => {
  const out: Array<LocalDate> = []
  for (let d = normalize(first); compareDates(d, last) <= 0; d = nextDate(d)) out.push(d)
  return out
}
