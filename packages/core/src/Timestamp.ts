/**
 * Instants in Meterbridge are epoch microseconds (`Micros`): the API promises
 * microsecond precision on input and output, which `Date` cannot hold.
 * 2^53 µs reaches the year 2255, so a plain number is exact.
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"

export type Micros = number

export const fromMillis = (ms: number): Micros => ms * 1000
export const fromSeconds = (s: number): Micros => s * 1_000_000
export const fromDate = (d: Date): Micros => d.getTime() * 1000
export const toMillis = (t: Micros): number => Math.floor(t / 1000)
export const toDate = (t: Micros): Date => new Date(Math.floor(t / 1000))

export const MICROS_PER_SECOND = 1_000_000
export const MICROS_PER_HOUR = 3_600_000_000
export const MICROS_PER_DAY = 86_400_000_000

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, the only timestamp shape the API emits. */
export const format = (t: Micros): string => {
  const ms = Math.floor(t / 1000)
  const micros = t - ms * 1000
  const d = new Date(ms)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${
    pad(d.getUTCMinutes(), 2)
  }:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}${pad(micros, 3)}+00:00`
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})$/
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/

const build = (
  y: number, mo: number, d: number, h: number, mi: number, s: number, fraction: string, offsetMinutes: number
): Micros | undefined => {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(ms)
  // Date.UTC silently rolls 2014-02-30 over to March; a real calendar date round-trips.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined
  return (ms - offsetMinutes * 60_000) * 1000 + Number(fraction.padEnd(6, "0"))
}

/**
 * Parses ISO 8601 with a `T` separator and a zone (`Z` or `±HH:MM`), to the
 * microsecond. Rejects a space separator, a missing zone and 12-hour clocks.
 */
export const parse = (input: string): Micros | undefined => {
  const m = ISO.exec(input)
  if (!m) return undefined
  const zone = m[8]!
  let offset = 0
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1
    const digits = zone.slice(1).replace(":", "")
    const oh = Number(digits.slice(0, 2))
    const om = Number(digits.slice(2, 4))
    if (oh > 23 || om > 59) return undefined
    offset = sign * (oh * 60 + om)
  }
  return build(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ?? "", offset)
}

/** Like {@link parse}, and also `YYYY-MM-DD` as midnight UTC (the interval filters allow it). */
export const parseDateOrTimestamp = (input: string): Micros | undefined => {
  const m = DATE_ONLY.exec(input)
  return m ? build(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, "", 0) : parse(input)
}

/** The API's timestamp codec: `Micros` in the program, the formatted string on the wire. */
export const Timestamp = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transformEffect({
      decode: (s: string) => {
        const t = parse(s)
        return t === undefined
          ? Effect.fail(
            new SchemaIssue.InvalidValue({
              message: `Invalid timestamp "${s}": use ISO 8601 with a "T" separator and a zone, e.g. 2014-01-01T01:01:01.123456+00:00`
            }, s)
          )
          : Effect.succeed(t)
      },
      encode: (t: number) => Effect.succeed(format(t))
    })
  )
)
