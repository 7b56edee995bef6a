import { parse } from "csv-parse"
import { Readable } from "node:stream"
import * as Data from "effect/Data"
import type { EspiRecord, Flow, ReadingType, ServiceKind, UsagePoint, UsageSummary } from "./EspiRecord.ts"
import { LocalZone } from "./LocalZone.ts"
import { toTextChunks, type TextInput } from "./TextInput.ts"

// Data.TaggedError, not Schema.TaggedError: loading effect/Schema costs the CLI ~0.1 s and ~30 MB at start-up.
/** The file is not one of the Green Button CSV layouts we know, or a row cannot be read. */
export class GreenButtonCsvError extends Data.TaggedError("GreenButtonCsvError")<{ readonly message: string; readonly line?: number }> {}

export interface ParseGreenButtonCsvOptions {
  /** The utility's IANA zone: local times in the file are read in it. Default America/Los_Angeles (PG&E, SCE, SDG&E). */
  readonly zone?: string
  /** Overrides the usage point id (default: the file's Service / Meter Number, else "1"). */
  readonly usagePointId?: string
}

/**
 * Reads a utility "Download My Data" Green Button CSV into the same records `parseEspi` yields: a UsagePoint,
 * ReadingTypes (one per flow), Readings (import and export kept apart), and UsageSummaries for billing exports.
 *
 * Layouts: PG&E interval (`TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES`), PG&E NEM
 * (`IMPORT (kWh),EXPORT (kWh)`), PG&E daily gas (no time columns), PG&E billing (`START DATE,END DATE`), SCE
 * per-day blocks (`Energy Delivered|Received time period`), SDG&E (`Meter Number,Date,Start Time,Duration,
 * Consumption,Generation,Net`).
 *
 * Local times become UTC through the zone's real offsets. A label that appears twice in one day (the fall-back hour:
 * PG&E repeats 01:00, SCE repeats 02:00) is read in order: the first occurrence is the earlier hour. A label in the
 * skipped spring hour is read with the standard-time offset, which is what the utilities mean by it.
 */
export async function* parseGreenButtonCsv(
  input: TextInput,
  options: ParseGreenButtonCsvOptions = {}
): AsyncGenerator<EspiRecord> {
  const state = new CsvState(new LocalZone(options.zone ?? "America/Los_Angeles"), options.usagePointId)
  const parser = Readable.from(toTextChunks(input)).pipe(
    parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true })
  )
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Array<string>; info: { lines: number } }>) {
      state.row(record.map(clean), info.lines)
      if (state.out.length > 0) {
        yield* state.out
        state.out.length = 0
      }
    }
  } catch (e) {
    if (e instanceof GreenButtonCsvError) throw e
    throw new GreenButtonCsvError({ message: `Not readable as CSV: ${(e as Error).message}` })
  }
  state.finish()
  yield* state.out
}

const clean = (cell: string): string => cell.replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim()

type Layout = "pgeInterval" | "pgeNem" | "pgeDaily" | "pgeBilling" | "sce" | "sdge" | "generic"

interface Value {
  readonly flow: Flow
  readonly value: number
  readonly cost?: number
  readonly quality?: string
}

interface LocalRow {
  readonly y: number
  readonly m: number
  readonly d: number
  /** Seconds after local midnight by the label; undefined for whole-day rows. */
  readonly secondsOfDay: number | undefined
  readonly duration: number
  readonly values: ReadonlyArray<Value>
}

class CsvState {
  readonly out: Array<EspiRecord> = []
  private readonly zone: LocalZone
  private readonly usagePointOverride: string | undefined
  private readonly meta: Record<string, string> = {}
  private layout: Layout | undefined
  private cols: Record<string, number> = {}
  private sceFlow: Flow = "delivered"
  private kind: ServiceKind = "electricity"
  private unit = "kWh"
  private usagePoint: UsagePoint | undefined
  private readonly readingTypes = new Map<Flow, ReadingType>()
  /** One local day of rows per series, resolved together so a repeated hour can be told apart by order. */
  private day: Array<LocalRow> = []
  private dayKey = ""
  private sawData = false

  constructor(zone: LocalZone, usagePointId: string | undefined) {
    this.zone = zone
    this.usagePointOverride = usagePointId
  }

  row(cells: Array<string>, line: number): void {
    const first = cells[0] ?? ""
    if (cells.every((c) => c === "")) return
    const header = this.header(cells)
    if (header !== undefined) {
      this.flushDay()
      this.layout = header
      this.cols = Object.fromEntries(cells.map((c, i) => [c.toUpperCase(), i]))
      return
    }
    if (this.layout === undefined || (this.layout === "sce" && !/^\d{4}-\d{2}-\d{2} /.test(first))) {
      // Preamble (Name, Address, Account Number, Service, Meter Number, UOM …) or an SCE block caption.
      if (cells.length >= 2 && first !== "" && this.layout !== "sce") this.meta[first.toLowerCase()] = cells[1]!
      return
    }
    this.sawData = true
    switch (this.layout) {
      case "pgeInterval":
      case "pgeNem":
      case "pgeDaily":
        return this.pgeRow(cells, line)
      case "pgeBilling":
        return this.billingRow(cells, line)
      case "sce":
        return this.sceRow(cells, line)
      case "sdge":
        return this.sdgeRow(cells, line)
      case "generic":
        return this.genericRow(cells, line)
    }
  }

  private header(cells: Array<string>): Layout | undefined {
    const up = cells.map((c) => c.toUpperCase())
    if (up[0] === "TYPE") {
      if (up.includes("START DATE")) return "pgeBilling"
      if (up.some((c) => c.startsWith("IMPORT"))) return "pgeNem"
      if (up.includes("START TIME")) return "pgeInterval"
      if (up.includes("DATE")) return "pgeDaily"
    }
    if (/TIME PERIOD$/.test(up[0] ?? "")) {
      this.sceFlow = /RECEIVED/.test(up[0]!) ? "received" : "delivered"
      return "sce"
    }
    if (up[0] === "METER NUMBER" && up.includes("DATE") && up.includes("START TIME")) return "sdge"
    // Anything else with a start column and an energy column (e.g. SCE's newer `Date,… Period Start,… Period End,
    // Delivered,Received`): read generically.
    if (up.some((c) => /START/.test(c)) && up.some((c) => !/START|END|DATE|DURATION/.test(c) && GENERIC_FLOWS.some(([re]) => re.test(c)))) return "generic"
    return undefined
  }

  finish(): void {
    this.flushDay()
    if (!this.sawData) {
      throw new GreenButtonCsvError({
        message: this.layout === undefined
          ? "No Green Button CSV header found (expected a PG&E TYPE,DATE,… / SCE …time period / SDG&E Meter Number,Date,… header)"
          : "The file has a header but no data rows"
      })
    }
  }

  // --- layouts ------------------------------------------------------------------------------------------------

  private pgeRow(cells: Array<string>, line: number): void {
    const c = this.cols
    const type = cells[c["TYPE"]!] ?? ""
    this.kind = /gas/i.test(type) ? "gas" : "electricity"
    const [y, m, d] = ymd(cells[c["DATE"]!], line)
    const notes = cells.slice(this.layout === "pgeNem" ? 7 : (c["NOTES"] ?? 99)).filter((x) => x !== "").join(" ")
    const quality = notes === "" ? undefined : /estimated/i.test(notes) ? "estimated" : notes
    const cost = money(cells[c["COST"]!])
    let secondsOfDay: number | undefined
    let duration = 86400
    if (this.layout !== "pgeDaily") {
      secondsOfDay = hhmm(cells[c["START TIME"]!], line)
      // PG&E end times are inclusive (00:59): the interval ends a minute later.
      const end = hhmm(cells[c["END TIME"]!], line) + 60
      duration = end > secondsOfDay ? end - secondsOfDay : end + 86400 - secondsOfDay
    }
    const values: Array<Value> = []
    if (this.layout === "pgeNem") {
      const imp = number(cells[c["IMPORT (KWH)"]!], line)
      const exp = number(cells[c["EXPORT (KWH)"]!], line)
      this.unit = "kWh"
      if (imp !== undefined) values.push(withExtras({ flow: "delivered", value: imp }, cost, quality))
      if (exp !== undefined) values.push(withExtras({ flow: "received", value: exp }, undefined, quality))
    } else {
      const usageCol = c["USAGE"] ?? this.colStartingWith("USAGE")
      this.unit = unitOf(c["UNITS"] !== undefined ? cells[c["UNITS"]] : this.headerOf(usageCol))
      const v = number(cells[usageCol!], line)
      if (v !== undefined) values.push(withExtras({ flow: "delivered", value: v }, cost, quality))
    }
    this.push({ y, m, d, secondsOfDay, duration, values })
  }

  private billingRow(cells: Array<string>, line: number): void {
    const c = this.cols
    this.kind = /gas/i.test(cells[c["TYPE"]!] ?? "") ? "gas" : "electricity"
    const usageCol = c["USAGE"] ?? this.colStartingWith("USAGE")
    this.unit = unitOf(c["UNITS"] !== undefined ? cells[c["UNITS"]] : this.headerOf(usageCol))
    const [y1, m1, d1] = ymd(cells[c["START DATE"]!], line)
    const [y2, m2, d2] = ymd(cells[c["END DATE"]!], line)
    const start = this.zone.midnight(y1, m1, d1)
    const bill: UsageSummary = {
      _tag: "UsageSummary",
      usagePointId: this.ensureUsagePoint().id,
      start,
      // END DATE is the last day billed.
      duration: this.zone.midnightAfter(y2, m2, d2) - start,
      billLastPeriod: money(cells[c["COST"]!]) ?? null,
      overallConsumption: number(cells[usageCol!], line) ?? null,
      unit: this.unit,
      currency: 840,
      lineItems: []
    }
    this.out.push(bill)
  }

  private sceRow(cells: Array<string>, line: number): void {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))? to (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})/.exec(cells[0]!)
    if (m === null) throw new GreenButtonCsvError({ message: `SCE time period not understood: ${JSON.stringify(cells[0])}`, line })
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
    const s = Number(m[4]) * 3600 + Number(m[5]) * 60
    const endLocal = Date.UTC(Number(m[7]), Number(m[8]) - 1, Number(m[9])) / 1000 + Number(m[10]) * 3600 + Number(m[11]) * 60
    const duration = endLocal - (Date.UTC(y, mo - 1, d) / 1000 + s)
    const v = number(cells[1], line)
    const q = cells[2] ?? ""
    this.unit = "kWh"
    const values = v === undefined ? [] : [withExtras({ flow: this.sceFlow, value: v }, undefined, q === "" ? undefined : q)]
    this.push({ y, m: mo, d, secondsOfDay: s, duration, values })
  }

  private sdgeRow(cells: Array<string>, line: number): void {
    const c = this.cols
    const dm = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(cells[c["DATE"]!] ?? "")
    if (dm === null) throw new GreenButtonCsvError({ message: `SDG&E date not understood: ${JSON.stringify(cells[c["DATE"]!])}`, line })
    const tm = /^(\d{1,2}):(\d{2}) ?([AP]M)$/i.exec(cells[c["START TIME"]!] ?? "")
    if (tm === null) throw new GreenButtonCsvError({ message: `SDG&E time not understood: ${JSON.stringify(cells[c["START TIME"]!])}`, line })
    const hour = (Number(tm[1]) % 12) + (tm[3]!.toUpperCase() === "PM" ? 12 : 0)
    const minutes = number(cells[c["DURATION"]!], line)
    if (minutes === undefined) throw new GreenButtonCsvError({ message: "SDG&E row without a Duration", line })
    this.unit = unitOf(this.meta["uom"] ?? "kWh")
    const values: Array<Value> = []
    const consumption = number(cells[c["CONSUMPTION"]!], line)
    const generation = number(cells[c["GENERATION"]!], line)
    if (consumption !== undefined) values.push({ flow: "delivered", value: consumption })
    if (generation !== undefined) values.push({ flow: "received", value: generation })
    this.push({ y: Number(dm[3]), m: Number(dm[1]), d: Number(dm[2]), secondsOfDay: hour * 3600 + Number(tm[2]) * 60, duration: minutes * 60, values })
  }

  /** A layout we do not know by name: start (and end or duration) columns, one column per flow. */
  private genericRow(cells: Array<string>, line: number): void {
    const headers = Object.keys(this.cols)
    const col = (re: RegExp) => {
      const h = headers.find((x) => re.test(x))
      return h === undefined ? undefined : this.cols[h]
    }
    const dateCell = col(/^DATE$/) === undefined ? undefined : cells[col(/^DATE$/)!]
    const start = localDateTime(cells[col(/START/)!], dateCell)
    if (start === undefined) throw new GreenButtonCsvError({ message: `Start time not understood: ${JSON.stringify(cells[col(/START/)!])}`, line })
    const endCol = col(/END/)
    const durCol = col(/DURATION/)
    let duration: number
    if (endCol !== undefined) {
      const end = localDateTime(cells[endCol], dateCell)
      if (end === undefined) throw new GreenButtonCsvError({ message: `End time not understood: ${JSON.stringify(cells[endCol])}`, line })
      const s0 = Date.UTC(start.y, start.m - 1, start.d) / 1000 + start.seconds
      let e0 = Date.UTC(end.y, end.m - 1, end.d) / 1000 + end.seconds
      if (e0 <= s0) e0 += 86400 // an end of 00:00 means the next midnight
      // Inclusive ends (00:59, 00:14:59) mean the interval runs to the next minute.
      duration = (e0 - s0) % 60 === 59 ? e0 - s0 + 1 : (e0 - s0) % 900 === 840 ? e0 - s0 + 60 : e0 - s0
    } else if (durCol !== undefined) {
      duration = (number(cells[durCol], line) ?? 0) * 60
    } else {
      throw new GreenButtonCsvError({ message: "No end time or duration column", line })
    }
    const values: Array<Value> = []
    for (const [re, flow] of GENERIC_FLOWS) {
      const h = headers.find((x) => re.test(x) && !/START|END|DATE|DURATION/.test(x))
      const c = h === undefined ? undefined : this.cols[h]
      if (c === undefined || values.some((v) => v.flow === flow)) continue
      const v = number(cells[c], line)
      if (v !== undefined) values.push({ flow, value: v })
    }
    const costCol = col(/COST/)
    const cost = costCol === undefined ? undefined : money(cells[costCol])
    if (cost !== undefined && values[0] !== undefined) values[0] = { ...values[0], cost }
    this.unit = unitOf(headers.join(" "))
    this.push({ y: start.y, m: start.m, d: start.d, secondsOfDay: start.seconds, duration, values })
  }

  private colStartingWith(prefix: string): number | undefined {
    const h = Object.keys(this.cols).find((x) => x.startsWith(prefix))
    return h === undefined ? undefined : this.cols[h]
  }

  private headerOf(col: number | undefined): string | undefined {
    return Object.entries(this.cols).find(([, i]) => i === col)?.[0]
  }

  // --- day buffering and emission -----------------------------------------------------------------------------

  private push(row: LocalRow): void {
    const key = `${row.y}-${row.m}-${row.d}`
    if (key !== this.dayKey) {
      this.flushDay()
      this.dayKey = key
    }
    this.day.push(row)
  }

  private flushDay(): void {
    const rows = this.day
    this.day = []
    this.dayKey = ""
    if (rows.length === 0) return
    const counts = new Map<number, number>()
    for (const r of rows) if (r.secondsOfDay !== undefined) counts.set(r.secondsOfDay, (counts.get(r.secondsOfDay) ?? 0) + 1)
    const seen = new Map<number, number>()
    for (const r of rows) {
      let start: number
      let duration = r.duration
      if (r.secondsOfDay === undefined) {
        start = this.zone.midnight(r.y, r.m, r.d)
        duration = this.zone.midnightAfter(r.y, r.m, r.d) - start
      } else {
        const n = counts.get(r.secondsOfDay)!
        const k = seen.get(r.secondsOfDay) ?? 0
        seen.set(r.secondsOfDay, k + 1)
        if (n >= 2) {
          // A label repeated within the day: the fall-back hour, read in order (earlier first).
          const c = this.zone.candidates(r.y, r.m, r.d, r.secondsOfDay)
          const later = c.length > 0 ? c[c.length - 1]! : this.zone.toUtc(r.y, r.m, r.d, r.secondsOfDay)
          start = later - 3600 * (n - 1 - k)
        } else {
          start = this.zone.toUtc(r.y, r.m, r.d, r.secondsOfDay)
        }
      }
      for (const v of r.values) this.emit(v, start, duration)
    }
  }

  private ensureUsagePoint(): UsagePoint {
    if (this.usagePoint === undefined) {
      // Without a Service or Meter Number the kind names the usage point, so a zip with an electric and a gas
      // export keeps them apart.
      const id = [this.usagePointOverride, this.meta["service"], this.meta["meter number"], this.meta["account number"]]
        .find((x) => x !== undefined && x !== "") ?? this.kind
      this.usagePoint = { _tag: "UsagePoint", id, kind: this.kind }
      this.out.push(this.usagePoint)
    }
    return this.usagePoint
  }

  private emit(v: Value, start: number, duration: number): void {
    const up = this.ensureUsagePoint()
    let rt = this.readingTypes.get(v.flow)
    if (rt === undefined) {
      rt = {
        _tag: "ReadingType",
        id: v.flow,
        usagePointId: up.id,
        unit: this.unit,
        uom: this.unit === "therm" ? 169 : 72,
        powerOfTenMultiplier: 0,
        flow: v.flow,
        flowDirection: v.flow === "received" ? 19 : 1,
        ...(duration > 0 && duration < 86400 ? { intervalLength: duration } : {})
      }
      this.readingTypes.set(v.flow, rt)
      this.out.push(rt)
    }
    this.out.push({
      _tag: "Reading",
      usagePointId: up.id,
      readingTypeId: rt.id,
      start,
      duration,
      value: v.value,
      unit: rt.unit,
      flow: v.flow,
      ...(v.quality !== undefined ? { quality: v.quality } : {}),
      ...(v.cost !== undefined ? { cost: v.cost } : {})
    })
  }
}

const withExtras = (v: Value, cost: number | undefined, quality: string | undefined): Value => ({
  ...v,
  ...(cost !== undefined ? { cost } : {}),
  ...(quality !== undefined ? { quality } : {})
})

const ymd = (s: string | undefined, line: number): [number, number, number] => {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s ?? "")
  if (m === null) throw new GreenButtonCsvError({ message: `Date not understood: ${JSON.stringify(s)}`, line })
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

const hhmm = (s: string | undefined, line: number): number => {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(s ?? "")
  if (m === null) throw new GreenButtonCsvError({ message: `Time not understood: ${JSON.stringify(s)}`, line })
  return Number(m[1]) * 3600 + Number(m[2]) * 60
}

const number = (s: string | undefined, line: number): number | undefined => {
  if (s === undefined || s === "") return undefined
  const n = Number(s.replace(/,/g, ""))
  if (!Number.isFinite(n)) throw new GreenButtonCsvError({ message: `Not a number: ${JSON.stringify(s)}`, line })
  return n
}

/** `$1.27`, `-$0.21`, `-$0.00` (→ 0), `($3.10)`. */
const money = (s: string | undefined): number | undefined => {
  if (s === undefined || s === "") return undefined
  const negative = /^-|^\(.*\)$/.test(s)
  const n = Number(s.replace(/[$,()\s-]/g, ""))
  if (!Number.isFinite(n)) return undefined
  return negative && n !== 0 ? -n : n
}

const unitOf = (s: string | undefined): string => (/therm/i.test(s ?? "") ? "therm" : "kWh")

const GENERIC_FLOWS: ReadonlyArray<readonly [RegExp, Flow]> = [
  [/DELIVERED|CONSUMPTION|IMPORT|^USAGE/, "delivered"],
  [/RECEIVED|GENERATION|EXPORT/, "received"]
]

/** `2024-05-22 00:15[:00]`, `5/22/2024 12:15 AM`, or a bare time with the row's date cell. */
const localDateTime = (cell: string | undefined, dateCell: string | undefined): { y: number; m: number; d: number; seconds: number } | undefined => {
  const text = (cell ?? "").trim()
  const time = (t: string) => {
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?$/i.exec(t.trim())
    if (m === null) return undefined
    const h = m[4] === undefined ? Number(m[1]) : (Number(m[1]) % 12) + (m[4].toUpperCase() === "PM" ? 12 : 0)
    return h * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)
  }
  const date = (t: string) => {
    let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t.trim())
    if (m !== null) return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) }
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t.trim())
    return m === null ? undefined : { y: Number(m[3]), m: Number(m[1]), d: Number(m[2]) }
  }
  const sp = /^(\S+)\s+(.+)$/.exec(text)
  if (sp !== null && date(sp[1]!) !== undefined) {
    const seconds = time(sp[2]!)
    return seconds === undefined ? undefined : { ...date(sp[1]!)!, seconds }
  }
  const d = dateCell === undefined ? undefined : date(dateCell)
  const seconds = time(text)
  return d === undefined || seconds === undefined ? undefined : { ...d, seconds }
}
