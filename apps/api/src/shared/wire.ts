/**
 * Encodings every surface shares: the API's timestamp text on the hot path,
 * and CSV rows (csv-stringify).
 */
import { stringify } from "csv-stringify/sync"
import { Timestamp } from "@meterbridge/core"

export const CSV_TYPE = "text/csv; charset=utf-8"
export const JSON_TYPE = "application/json; charset=utf-8"

/** `00:` … `59:`, and `00.` … `59.`: fewer pieces to join per timestamp. */
const COLON = Array.from({ length: 60 }, (_, i) => `${String(i).padStart(2, "0")}:`)
const DOT = Array.from({ length: 60 }, (_, i) => `${String(i).padStart(2, "0")}.`)

// Constant tables for the date part, built once at load (about 700 short strings); nothing changes after, so every
// caller and every test sees the same function. Years outside them fall back to `Timestamp.format`.
const FIRST_YEAR = 1900
const LAST_YEAR = 2299
const DAY_MS = 86_400_000
const YEAR_TEXT = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => String(FIRST_YEAR + i))
/** Day number (days since 1970-01-01) of each year's 1 January, and of the year after the last. */
const YEAR_START = Array.from({ length: LAST_YEAR - FIRST_YEAR + 2 }, (_, i) => Date.UTC(FIRST_YEAR + i, 0, 1) / DAY_MS)
/** `-MM-DDT` by day of the year, for a 365-day year and a leap year. */
const monthDays = (y: number) =>
  Array.from({ length: (Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1)) / DAY_MS }, (_, d) => new Date(Date.UTC(y, 0, 1 + d)).toISOString().slice(4, 11))
const COMMON = monthDays(2001)
const LEAP = monthDays(2000)
/** Each year's `-MM-DDT` table. */
const YEAR_MONTH_DAY = YEAR_TEXT.map((_, i) => (YEAR_START[i + 1]! - YEAR_START[i]! === 366 ? LEAP : COMMON))

/**
 * `Timestamp.format` for the hot path: the date part from constant tables, the time of day by arithmetic, no state.
 * A test proves it equal to `Timestamp.format`.
 */
export const fastTimestamp = (t: Timestamp.Micros): string => {
  const day = Math.floor(t / Timestamp.MICROS_PER_DAY)
  // Days over the mean Gregorian year land on the right year or one next to it (the test walks every New Year);
  // the starts table settles which.
  let y = Math.floor(day / 365.2425) + 1970 - FIRST_YEAR
  if (y < 1 || y >= YEAR_TEXT.length - 1) return Timestamp.format(t)
  if (YEAR_START[y]! > day) y--
  else if (YEAR_START[y + 1]! <= day) y++
  const monthDay = YEAR_MONTH_DAY[y]![day - YEAR_START[y]!]
  let rem = t - day * Timestamp.MICROS_PER_DAY
  const h = Math.floor(rem / Timestamp.MICROS_PER_HOUR)
  rem -= h * Timestamp.MICROS_PER_HOUR
  const m = Math.floor(rem / 60_000_000)
  rem -= m * 60_000_000
  const sec = Math.floor(rem / 1_000_000)
  const frac = rem - sec * 1_000_000
  return `${YEAR_TEXT[y]}${monthDay}${COLON[h]}${COLON[m]}${DOT[sec]}${frac === 0 ? "000000" : String(frac).padStart(6, "0")}+00:00`
}

const CSV_OPTIONS = { cast: { boolean: (b: boolean) => (b ? "true" : "false") } }

/** Columns: the entity's list when given, else every top-level field holding a scalar (nested ones are left out). */
const scalarColumns = (rows: ReadonlyArray<Record<string, unknown>>): Array<string> => {
  const seen = new Set<string>()
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (v === null || typeof v !== "object") seen.add(k)
    }
  }
  return [...seen]
}

/** Rows as arrays; a field absent from an object (pending collection) becomes an empty cell, like null. */
export const csv = (value: unknown, columns?: ReadonlyArray<string>): string => {
  const rows = (Array.isArray(value) ? value : [value]) as ReadonlyArray<Record<string, unknown>>
  const cols = columns ? [...columns] : scalarColumns(rows)
  const cells = rows.map((r) => cols.map((c) => {
    const v = r[c]
    return v !== null && typeof v === "object" ? undefined : v
  }))
  return stringify([cols, ...cells], CSV_OPTIONS)
}

export const csvRows = (rows: ReadonlyArray<ReadonlyArray<unknown>>): string => stringify(rows as Array<Array<unknown>>, CSV_OPTIONS)

