/**
 * Encodings every surface shares: the API's timestamp text on the hot path,
 * and CSV rows (csv-stringify).
 */
import { stringify } from "csv-stringify/sync"
import { Timestamp } from "@meterbridge/core"

export const CSV_TYPE = "text/csv; charset=utf-8"
export const JSON_TYPE = "application/json; charset=utf-8"

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"))
const dayPrefixes = new Map<number, string>()

/**
 * `Timestamp.format` for the hot path: the date part is cached per day and the
 * time of day is arithmetic. A test proves it equal to `Timestamp.format`.
 */
export const fastTimestamp = (t: Timestamp.Micros): string => {
  const day = Math.floor(t / Timestamp.MICROS_PER_DAY)
  let prefix = dayPrefixes.get(day)
  if (prefix === undefined) {
    if (dayPrefixes.size > 50_000) dayPrefixes.clear()
    prefix = Timestamp.format(day * Timestamp.MICROS_PER_DAY).slice(0, 11)
    dayPrefixes.set(day, prefix)
  }
  let rem = t - day * Timestamp.MICROS_PER_DAY
  const h = Math.floor(rem / Timestamp.MICROS_PER_HOUR)
  rem -= h * Timestamp.MICROS_PER_HOUR
  const m = Math.floor(rem / 60_000_000)
  rem -= m * 60_000_000
  const sec = Math.floor(rem / 1_000_000)
  const frac = rem - sec * 1_000_000
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${frac === 0 ? "000000" : String(frac).padStart(6, "0")}+00:00`
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

