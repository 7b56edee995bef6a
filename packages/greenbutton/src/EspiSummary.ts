import type { EspiRecord, Flow, Issue, LocalTime, Reading, ServiceKind, UsageSummary } from "./EspiRecord.ts"
import { toLocalDate } from "./EspiLocalTime.ts"
import { serviceKindOfCommodity } from "./EspiUnits.ts"
import { parseEspi } from "./Espi.ts"
import type { TextInput } from "./TextInput.ts"

/**
 * Drops readings repeated on the same channel (usage point + ReadingType, so import and export never collide) and
 * reports what it dropped and what is missing. Every other record passes through untouched.
 *  - `duplicate` Issue: a start seen before with the same value; the repeat is dropped.
 *  - `conflict` Issue: a start seen before with a different value; the first one is kept, the repeat dropped.
 *  - `gap` Issues, emitted at the end: spans between consecutive readings of a channel that nothing covers.
 *    Gaps are never filled.
 */
export async function* dedupeReadings(records: AsyncIterable<EspiRecord> | Iterable<EspiRecord>): AsyncGenerator<EspiRecord> {
  const channels = new Map<string, ChannelTrack>()
  for await (const r of records) {
    if (r._tag !== "Reading") {
      yield r
      continue
    }
    const key = r.usagePointId + "\u0000" + r.readingTypeId
    let ch = channels.get(key)
    if (ch === undefined) {
      ch = new ChannelTrack(r.usagePointId, r.readingTypeId)
      channels.set(key, ch)
    }
    const seen = ch.values.get(r.start)
    if (seen !== undefined) {
      const same = seen === r.value
      yield {
        _tag: "Issue",
        kind: same ? "duplicate" : "conflict",
        usagePointId: r.usagePointId,
        readingTypeId: r.readingTypeId,
        start: r.start,
        end: r.start + r.duration,
        message: same
          ? `Reading at ${iso(r.start)} repeated; dropped`
          : `Reading at ${iso(r.start)} repeated with ${r.value} ${r.unit} instead of ${seen}; kept the first`
      }
      continue
    }
    ch.add(r)
    yield r
  }
  for (const ch of channels.values()) yield* ch.gaps()
}

class ChannelTrack {
  readonly values = new Map<number, number>()
  private starts = new Float64Array(1024)
  private ends = new Float64Array(1024)
  private n = 0
  private readonly usagePointId: string
  private readonly readingTypeId: string
  constructor(usagePointId: string, readingTypeId: string) {
    this.usagePointId = usagePointId
    this.readingTypeId = readingTypeId
  }

  add(r: Reading): void {
    this.values.set(r.start, r.value)
    if (this.n === this.starts.length) {
      const s = new Float64Array(this.n * 2), e = new Float64Array(this.n * 2)
      s.set(this.starts)
      e.set(this.ends)
      this.starts = s
      this.ends = e
    }
    this.starts[this.n] = r.start
    this.ends[this.n++] = r.start + r.duration
  }

  *gaps(): Generator<Issue> {
    const order = Array.from({ length: this.n }, (_, i) => i)
    let sorted = true
    for (let i = 1; i < this.n; i++) if (this.starts[i]! < this.starts[i - 1]!) sorted = false
    if (!sorted) order.sort((a, b) => this.starts[a]! - this.starts[b]!)
    let covered = -Infinity
    for (const i of order) {
      const s = this.starts[i]!, e = this.ends[i]!
      if (s > covered && covered !== -Infinity) {
        yield {
          _tag: "Issue",
          kind: "gap",
          usagePointId: this.usagePointId,
          readingTypeId: this.readingTypeId,
          start: covered,
          end: s,
          message: `No reading from ${iso(covered)} to ${iso(s)} (${s - covered} s)`
        }
      }
      if (e > covered) covered = e
    }
  }
}

const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace(".000Z", "Z")

export interface ChannelTotal {
  readonly readingTypeId: string
  readonly flow: Flow
  readonly unit: string
  readonly readings: number
  readonly total: number
  readonly cost?: number
}

export interface UsagePointSummary {
  readonly usagePointId: string
  readonly kind: ServiceKind
  readonly title?: string
  readonly readingCount: number
  /** kWh by flow: import = delivered, export = received, net = net channels. */
  readonly totalKWh: { readonly import: number; readonly export: number; readonly net: number }
  readonly channels: ReadonlyArray<ChannelTotal>
  readonly firstStart: string | null
  readonly lastEnd: string | null
  /** Local dates of the first and last reading, when the feed has LocalTimeParameters. */
  readonly firstLocalDate?: string
  readonly lastLocalDate?: string
  readonly intervalLengths: ReadonlyArray<number>
  readonly gaps: ReadonlyArray<{ readonly readingTypeId: string; readonly start: string; readonly end: string; readonly seconds: number }>
  readonly duplicates: number
  readonly conflicts: number
  readonly bills: number
  readonly billTotal: number | null
  readonly issues: ReadonlyArray<string>
}

interface Acc {
  usagePointId: string
  kind: ServiceKind
  title?: string
  channels: Map<string, { readingTypeId: string; flow: Flow; unit: string; readings: number; total: number; cost: number; hasCost: boolean }>
  first: number
  last: number
  lengths: Set<number>
  gaps: Array<{ readingTypeId: string; start: string; end: string; seconds: number }>
  duplicates: number
  conflicts: number
  summaries: Array<UsageSummary>
  issues: Array<string>
}

/** A UsagePoint without ServiceCategory: the kind its ReadingTypes' commodity or unit implies. */
const inferKind = (
  channels: ReadonlyArray<{ readingTypeId: string; unit: string }>,
  commodities: ReadonlyMap<string, number | undefined>
): ServiceKind => {
  for (const c of channels) {
    const k = serviceKindOfCommodity(commodities.get(c.readingTypeId))
    if (k !== undefined) return k
  }
  if (channels.some((c) => c.unit === "therm")) return "gas"
  if (channels.some((c) => c.unit === "kWh")) return "electricity"
  return "unknown"
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6

/** Folds de-duplicated records into per-usage-point figures (what `meterbridge-greenbutton summarize` prints). */
export const summarizeRecords = async (
  records: AsyncIterable<EspiRecord> | Iterable<EspiRecord>
): Promise<ReadonlyArray<UsagePointSummary>> => {
  const points = new Map<string, Acc>()
  let localTime: LocalTime | undefined
  const commodities = new Map<string, number | undefined>()
  /** Issues that name no usage point concern them all. */
  const feedIssues: Array<string> = []
  const acc = (id: string): Acc => {
    let a = points.get(id)
    if (a === undefined) {
      a = {
        usagePointId: id, kind: "unknown", channels: new Map(), first: Infinity, last: -Infinity, lengths: new Set(),
        gaps: [], duplicates: 0, conflicts: 0, summaries: [], issues: []
      }
      points.set(id, a)
    }
    return a
  }
  for await (const r of dedupeReadings(records)) {
    switch (r._tag) {
      case "UsagePoint": {
        const a = acc(r.id)
        a.kind = r.kind
        if (r.title !== undefined) a.title = r.title
        break
      }
      case "LocalTime":
        localTime = r
        break
      case "Reading": {
        const a = acc(r.usagePointId)
        let ch = a.channels.get(r.readingTypeId)
        if (ch === undefined) {
          ch = { readingTypeId: r.readingTypeId, flow: r.flow, unit: r.unit, readings: 0, total: 0, cost: 0, hasCost: false }
          a.channels.set(r.readingTypeId, ch)
        }
        ch.readings++
        ch.total += r.value
        if (r.cost !== undefined) {
          ch.cost += r.cost
          ch.hasCost = true
        }
        if (r.start < a.first) a.first = r.start
        if (r.start + r.duration > a.last) a.last = r.start + r.duration
        a.lengths.add(r.duration)
        break
      }
      case "UsageSummary":
        acc(r.usagePointId).summaries.push(r)
        break
      case "Issue": {
        if (r.usagePointId === undefined) {
          feedIssues.push(`${r.kind}: ${r.message}`)
          break
        }
        const a = acc(r.usagePointId)
        if (r.kind === "duplicate") a.duplicates++
        else if (r.kind === "conflict") a.conflicts++
        else if (r.kind === "gap") {
          a.gaps.push({ readingTypeId: r.readingTypeId ?? "", start: iso(r.start!), end: iso(r.end!), seconds: r.end! - r.start! })
        } else a.issues.push(`${r.kind}: ${r.message}`)
        break
      }
      case "ReadingType":
        commodities.set(r.id, r.commodity)
        break
    }
  }
  return [...points.values()].map((a): UsagePointSummary => {
    const channels = [...a.channels.values()]
    const kwh = (flow: Flow) =>
      round(channels.filter((c) => c.flow === flow && c.unit === "kWh").reduce((s, c) => s + c.total, 0))
    const bills = a.summaries.filter((s) => s.billLastPeriod !== null)
    const hasReadings = a.first !== Infinity
    return {
      usagePointId: a.usagePointId,
      kind: a.kind !== "unknown" ? a.kind : inferKind(channels, commodities),
      ...(a.title !== undefined ? { title: a.title } : {}),
      readingCount: channels.reduce((s, c) => s + c.readings, 0),
      totalKWh: { import: kwh("delivered"), export: kwh("received"), net: kwh("net") },
      channels: channels.map((c) => ({
        readingTypeId: c.readingTypeId, flow: c.flow, unit: c.unit, readings: c.readings, total: round(c.total),
        ...(c.hasCost ? { cost: round(c.cost) } : {})
      })),
      firstStart: hasReadings ? iso(a.first) : null,
      lastEnd: hasReadings ? iso(a.last) : null,
      ...(hasReadings && localTime !== undefined
        ? { firstLocalDate: toLocalDate(localTime, a.first), lastLocalDate: toLocalDate(localTime, a.last - 1) }
        : {}),
      intervalLengths: [...a.lengths].sort((x, y) => x - y),
      gaps: a.gaps,
      duplicates: a.duplicates,
      conflicts: a.conflicts,
      bills: a.summaries.length,
      billTotal: bills.length === 0 ? null : round(bills.reduce((s, b) => s + b.billLastPeriod!, 0)),
      issues: [...feedIssues, ...a.issues]
    }
  })
}

/** `summarizeRecords(parseEspi(input))`: the CLI's figures for an ESPI feed (CSV: `summarizeRecords(parseGreenButtonCsv(…))`). */
export const summarize = (input: TextInput): Promise<ReadonlyArray<UsagePointSummary>> => summarizeRecords(parseEspi(input))
