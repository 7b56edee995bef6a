/**
 * Import of the CSV that SMT's portal exports and emails ("IntervalData"):
 * one row per quarter hour and channel in America/Chicago wall-clock time.
 * Quirks handled: apostrophe-prefixed ESIIDs (an Excel guard), `00:00` end
 * times meaning the next midnight, the spring-forward hour present as rows
 * with no kWh, and the fall-back hour's repeated times (first CDT, then CST).
 */
import type { Collector } from "@meterbridge/core"
import { LocalTime, Timestamp } from "@meterbridge/core"
import { parse } from "csv-parse/sync"
import { Effect, Schema } from "effect"
import { CENTRAL, parseSmtDate } from "./internal/SmtDates.ts"
import { qualityOf } from "./internal/ReadData.ts"
import { TIME_ZONE } from "./SmtClient.ts"

export class SmtCsvError extends Schema.TaggedError<SmtCsvError>()("SmtCsvError", {
  message: Schema.String,
  /** 1-based line of the file, when one line is to blame. */
  line: Schema.optionalKey(Schema.Number)
}) {}

export const COLUMNS = [
  "ESIID",
  "USAGE_DATE",
  "REVISION_DATE",
  "USAGE_START_TIME",
  "USAGE_END_TIME",
  "USAGE_KWH",
  "ESTIMATED_ACTUAL",
  "CONSUMPTION_SURPLUSGENERATION"
] as const

const TIME = /^(\d{1,2}):(\d{2})$/
const KWH = /^-?(?:\d+\.?\d*|\.\d+)$/

const minuteOf = (s: string): number | undefined => {
  const m = TIME.exec(s.trim())
  if (!m) return undefined
  const h = Number(m[1]), mi = Number(m[2])
  return h <= 23 && mi <= 59 ? h * 60 + mi : undefined
}

const flowOf = (s: string) => {
  const v = s.trim().toLowerCase()
  return v === "consumption" ? "delivered" : v === "surplus generation" ? "received" : undefined
}

/**
 * Parses an SMT interval CSV into intervals in UTC. Rows without kWh (the
 * spring-forward hour, reads SMT never received) are skipped; anything else
 * that does not fit fails with the line at fault.
 */
export const parseSmtCsv = (text: string): Effect.Effect<Array<Collector.CollectedInterval>, SmtCsvError> =>
  Effect.try({
    try: () => parseRows(text),
    catch: (e) => e instanceof SmtCsvError ? e : new SmtCsvError({ message: `Not a readable CSV file: ${e instanceof Error ? e.message : String(e)}` })
  })

const parseRows = (text: string): Array<Collector.CollectedInterval> => {
  const records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as Array<{
    record: Array<string>
    info: { lines: number }
  }>
  if (records.length === 0) throw new SmtCsvError({ message: "The file is empty; expected SMT's interval CSV export" })
  const header = records[0]!.record.map((h) => h.trim().toUpperCase())
  const missing = COLUMNS.filter((c) => c !== "REVISION_DATE" && !header.includes(c))
  if (missing.length > 0) {
    throw new SmtCsvError({
      message: `Not an SMT interval CSV: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (expected ${COLUMNS.join(",")})`,
      line: 1
    })
  }
  const col = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof COLUMNS)[number], number>
  const seenStarts = new Set<string>()
  const out: Array<Collector.CollectedInterval> = []
  for (const { record, info } of records.slice(1)) {
    const line = info.lines
    const cell = (c: (typeof COLUMNS)[number]) => (record[col[c]] ?? "").trim()
    const bad = (message: string) => new SmtCsvError({ message: `Line ${line}: ${message}`, line })
    const kWhText = cell("USAGE_KWH")
    if (kWhText === "") continue
    const esiid = cell("ESIID").replace(/^'/, "")
    if (!/^\d+$/.test(esiid)) throw bad(`ESIID "${cell("ESIID")}" is not a number`)
    const date = parseSmtDate(cell("USAGE_DATE"))
    if (!date) throw bad(`USAGE_DATE "${cell("USAGE_DATE")}" is not MM/DD/YYYY`)
    const startMinute = minuteOf(cell("USAGE_START_TIME"))
    const endMinuteRaw = minuteOf(cell("USAGE_END_TIME"))
    if (startMinute === undefined) throw bad(`USAGE_START_TIME "${cell("USAGE_START_TIME")}" is not HH:MM`)
    if (endMinuteRaw === undefined) throw bad(`USAGE_END_TIME "${cell("USAGE_END_TIME")}" is not HH:MM`)
    // The day's last interval ends at 00:00, the next midnight; an end that reads
    // earlier than its start otherwise can only be the fall-back hour repeating.
    let minutes = endMinuteRaw === 0 ? 24 * 60 - startMinute : endMinuteRaw - startMinute
    if (minutes <= 0 && minutes + 60 > 0) minutes += 60
    if (minutes <= 0) throw bad(`USAGE_END_TIME ${cell("USAGE_END_TIME")} is before USAGE_START_TIME ${cell("USAGE_START_TIME")}`)
    if (!KWH.test(kWhText)) throw bad(`USAGE_KWH "${kWhText}" is not a number`)
    const quality = qualityOf(cell("ESTIMATED_ACTUAL").toUpperCase())
    if (!quality) throw bad(`ESTIMATED_ACTUAL "${cell("ESTIMATED_ACTUAL")}" should be A or E`)
    const flow = flowOf(cell("CONSUMPTION_SURPLUSGENERATION"))
    if (!flow) {
      throw bad(`CONSUMPTION_SURPLUSGENERATION "${cell("CONSUMPTION_SURPLUSGENERATION")}" should be Consumption or Surplus Generation`)
    }
    // On the fall-back day the 01:00 hour comes twice: the first rows are CDT, the repeat is CST.
    const key = `${esiid}/${cell("USAGE_DATE")}/${flow}/${startMinute}`
    const repeat = seenStarts.has(key)
    seenStarts.add(key)
    const startMs = LocalTime.localToUtc(CENTRAL, date, startMinute, repeat ? "later" : "earlier")
    if (startMs === undefined) {
      throw bad(`${cell("USAGE_START_TIME")} does not exist on ${cell("USAGE_DATE")} in ${TIME_ZONE} (clocks spring forward), yet it has a reading`)
    }
    out.push({
      interval_start: Timestamp.fromMillis(startMs),
      interval_end: Timestamp.fromMillis(startMs + minutes * 60_000),
      interval_kWh: Number(kWhText),
      flow,
      quality,
      utility_service_id: esiid,
      utility_tariff_name: null,
      utility_service_address: null,
      utility_meter_number: null,
      source: "smt_csv"
    })
  }
  return out
}
