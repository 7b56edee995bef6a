import type { EspiRecord, Flow, Issue, LineItem, LocalTime, Reading, ServiceKind } from "./EspiRecord.ts"
import { toLocalDate, toUtcIso as iso } from "./EspiLocalTime.ts"
import { serviceKindOfCommodity } from "./EspiUnits.ts"
import { parseEspiBatches } from "./Espi.ts"
import { type Batches, Unbatch } from "./Batches.ts"
import { BillingPeriods, lineItemTotal } from "./GreenButtonBills.ts"
import type { TextInput } from "./TextInput.ts"

/**
 * Drops readings repeated on the same channel (usage point + ReadingType, so import and export never collide) and
 * reports what it dropped and what is missing. Every other record passes through untouched.
 *  - `duplicate` Issue: a start seen before with the same value; the repeat is dropped.
 *  - `conflict` Issue: a start seen before with a different value; the first one is kept, the repeat dropped.
 *  - `gap` Issues, emitted at the end: spans between consecutive readings of a channel that nothing covers.
 *    Gaps are never filled.
 */
export const dedupeReadings = (records: AsyncIterable<EspiRecord> | Iterable<EspiRecord>): AsyncGenerator<EspiRecord, void, unknown> =>
  new Unbatch(dedupeBatches(oneByOne(records)))

/** `dedupeReadings` over batches: one array out per array in. */
export async function* dedupeBatches(batches: AsyncIterable<ReadonlyArray<EspiRecord>>): Batches<EspiRecord> {
  const dedupe = new ReadingDedupe()
  for await (const batch of batches) {
    const out: Array<EspiRecord> = []
    for (const r of batch) {
      if (r._tag !== "Reading") out.push(r)
      else out.push(dedupe.check(r) ?? r)
    }
    yield out
  }
  yield dedupe.gaps()
}

async function* oneByOne<T>(records: AsyncIterable<T> | Iterable<T>): Batches<T> {
  for await (const r of records) yield [r]
}

/** Every channel's readings so far, to tell a repeat from a new reading and to find gaps at the end. */
class ReadingDedupe {
  private readonly channels = new Map<string, ChannelTrack>()
  private last: ChannelTrack | undefined

  /** Undefined when the reading is new (and now tracked); the Issue to emit instead when it is a repeat. */
  check(r: Reading): Issue | undefined {
    let ch = this.last
    if (ch === undefined || ch.usagePointId !== r.usagePointId || ch.readingTypeId !== r.readingTypeId) {
      const key = r.usagePointId + "\u0000" + r.readingTypeId
      ch = this.channels.get(key)
      if (ch === undefined) {
        ch = new ChannelTrack(r.usagePointId, r.readingTypeId)
        this.channels.set(key, ch)
      }
      this.last = ch
    }
    const i = ch.indexOf(r.start)
    if (i < 0) {
      ch.add(r.start, r.start + r.duration, r.value)
      return undefined
    }
    const seen = ch.valueAt(i)
    const same = seen === r.value
    return {
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
  }

  gaps(): Array<Issue> {
    const out: Array<Issue> = []
    for (const ch of this.channels.values()) ch.gaps(out)
    return out
  }
}

/**
 * One channel's readings in typed arrays (24 bytes each) with an open-addressing index on start. A `Map` keyed by
 * epoch seconds costs several times that: starts above 2^30 are heap numbers, each its own object. Feeds are mostly
 * in time order, and a start past every start so far cannot be a repeat: the index is only built once a reading
 * arrives out of order.
 */
class ChannelTrack {
  readonly usagePointId: string
  readonly readingTypeId: string
  private starts = new Float64Array(1024)
  private ends = new Float64Array(1024)
  private values = new Float64Array(1024)
  private n = 0
  /** Slot → reading index + 1 (0 = empty); capacity a power of two, at most half full. */
  private index: Int32Array | undefined
  private maxStart = -Infinity

  constructor(usagePointId: string, readingTypeId: string) {
    this.usagePointId = usagePointId
    this.readingTypeId = readingTypeId
  }

  indexOf(start: number): number {
    if (start > this.maxStart) return -1
    const index = this.index ?? this.rehash()
    const mask = index.length - 1
    for (let slot = hash(start) & mask; ; slot = (slot + 1) & mask) {
      const i = index[slot]!
      if (i === 0) return -1
      if (this.starts[i - 1] === start) return i - 1
    }
  }

  valueAt(i: number): number {
    return this.values[i]!
  }

  add(start: number, end: number, value: number): void {
    if (this.n === this.starts.length) {
      this.starts = grow(this.starts)
      this.ends = grow(this.ends)
      this.values = grow(this.values)
    }
    this.starts[this.n] = start
    this.ends[this.n] = end
    this.values[this.n] = value
    this.n++
    if (start > this.maxStart) this.maxStart = start
    const index = this.index
    if (index === undefined) return
    if (this.n * 2 > index.length) this.rehash()
    else place(index, this.starts, this.n - 1)
  }

  private rehash(): Int32Array {
    let size = 4096
    while (size < this.n * 2) size *= 2
    const index = new Int32Array(size)
    for (let i = 0; i < this.n; i++) place(index, this.starts, i)
    this.index = index
    return index
  }

  /** Spans between this channel's readings that nothing covers, oldest first. */
  gaps(out: Array<Issue>): void {
    const n = this.n, starts = this.starts, ends = this.ends
    let sorted = true
    for (let i = 1; i < n && sorted; i++) if (starts[i]! < starts[i - 1]!) sorted = false
    let order: Uint32Array | undefined
    if (!sorted) {
      order = new Uint32Array(n)
      for (let i = 0; i < n; i++) order[i] = i
      order.sort((a, b) => starts[a]! - starts[b]!)
    }
    let covered = -Infinity
    for (let k = 0; k < n; k++) {
      const i = order === undefined ? k : order[k]!
      const s = starts[i]!, e = ends[i]!
      if (s > covered && covered !== -Infinity) {
        out.push({
          _tag: "Issue",
          kind: "gap",
          usagePointId: this.usagePointId,
          readingTypeId: this.readingTypeId,
          start: covered,
          end: s,
          message: `No reading from ${iso(covered)} to ${iso(s)} (${s - covered} s)`
        })
      }
      if (e > covered) covered = e
    }
  }
}

const place = (index: Int32Array, starts: Float64Array, i: number): void => {
  const mask = index.length - 1
  let slot = hash(starts[i]!) & mask
  while (index[slot] !== 0) slot = (slot + 1) & mask
  index[slot] = i + 1
}

const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(a.length * 2)
  b.set(a)
  return b
}

/** Starts are whole seconds in practice; fractions only cost collisions, never wrong answers. */
const hash = (start: number): number => Math.imul((start | 0) ^ ((start * 1024) | 0), 0x9e3779b1) >>> 7

// ---------------------------------------------------------------------------------------------------------------

export interface ChannelTotal {
  readonly readingTypeId: string
  readonly flow: Flow
  readonly unit: string
  readonly readings: number
  readonly total: number
  readonly cost?: number
}

/** One billing period as `summarize` prints it. */
export interface BillSummary {
  readonly start: string
  readonly end: string
  readonly days: number
  /** Usage in kWh (null when the bill gives none, or gives it in another unit: see `usage`). */
  readonly kWh: number | null
  readonly usage: number | null
  readonly unit: string
  /** What the bill charges (ESPI billLastPeriod), in currency units. */
  readonly totalCost: number | null
  /** As in the UsageSummary, with the item's period as ISO `start` / `end`. */
  readonly lineItems: ReadonlyArray<Omit<LineItem, "start" | "duration"> & { readonly start?: string; readonly end?: string }>
  /** Sum of `lineItems` (utilities often itemize only part of the total). */
  readonly lineItemTotal: number
  readonly statementDate?: string
  readonly tariff?: string
  /** Further copies of this billing period in the file, dropped. */
  readonly duplicates: number
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
  /** Billing periods, oldest first, each once. */
  readonly bills: ReadonlyArray<BillSummary>
  /** UsageSummaries dropped because their billing period was already given. */
  readonly billDuplicates: number
  /** Sum of the bills' `totalCost` (null when none has one). */
  readonly billTotal: number | null
  readonly issues: ReadonlyArray<string>
}

interface ChannelAcc {
  readonly readingTypeId: string
  readonly flow: Flow
  readonly unit: string
  readings: number
  total: number
  cost: number
  hasCost: boolean
}

interface Acc {
  usagePointId: string
  kind: ServiceKind
  title?: string
  channels: Map<string, ChannelAcc>
  first: number
  last: number
  lengths: Set<number>
  gaps: Array<{ readingTypeId: string; start: string; end: string; seconds: number }>
  duplicates: number
  conflicts: number
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

/**
 * Folds raw records (readings de-duplicated on the way, as `dedupeReadings` does) into per-usage-point figures.
 * Readings are folded in place, never kept: memory grows with the channels' tracking arrays only.
 */
class Summarizer {
  private readonly points = new Map<string, Acc>()
  private readonly dedupe = new ReadingDedupe()
  private readonly bills = new BillingPeriods()
  private localTime: LocalTime | undefined
  private readonly commodities = new Map<string, number | undefined>()
  /** Issues that name no usage point concern them all. */
  private readonly feedIssues: Array<string> = []
  private lastReading: { a: Acc; ch: ChannelAcc; usagePointId: string; readingTypeId: string } | undefined

  private acc(id: string): Acc {
    let a = this.points.get(id)
    if (a === undefined) {
      a = {
        usagePointId: id, kind: "unknown", channels: new Map(), first: Infinity, last: -Infinity, lengths: new Set(),
        gaps: [], duplicates: 0, conflicts: 0, issues: []
      }
      this.points.set(id, a)
    }
    return a
  }

  add(r: EspiRecord): void {
    switch (r._tag) {
      case "Reading": {
        const repeat = this.dedupe.check(r)
        if (repeat !== undefined) this.issue(repeat)
        else {
          this.reading(r)
          this.bills.addReading(r)
        }
        return
      }
      case "UsagePoint": {
        const a = this.acc(r.id)
        a.kind = r.kind
        if (r.title !== undefined) a.title = r.title
        return
      }
      case "LocalTime":
        this.localTime = r
        return
      case "UsageSummary":
        this.acc(r.usagePointId)
        this.bills.add(r)
        return
      case "Issue":
        this.issue(r)
        return
      case "ReadingType":
        this.commodities.set(r.id, r.commodity)
        return
    }
  }

  private reading(r: Reading): void {
    let last = this.lastReading
    if (last === undefined || last.usagePointId !== r.usagePointId || last.readingTypeId !== r.readingTypeId) {
      const a = this.acc(r.usagePointId)
      let ch = a.channels.get(r.readingTypeId)
      if (ch === undefined) {
        ch = { readingTypeId: r.readingTypeId, flow: r.flow, unit: r.unit, readings: 0, total: 0, cost: 0, hasCost: false }
        a.channels.set(r.readingTypeId, ch)
      }
      last = this.lastReading = { a, ch, usagePointId: r.usagePointId, readingTypeId: r.readingTypeId }
    }
    const { a, ch } = last
    ch.readings++
    ch.total += r.value
    if (r.cost !== undefined) {
      ch.cost += r.cost
      ch.hasCost = true
    }
    if (r.start < a.first) a.first = r.start
    if (r.start + r.duration > a.last) a.last = r.start + r.duration
    a.lengths.add(r.duration)
  }

  private issue(r: Issue): void {
    if (r.usagePointId === undefined) {
      this.feedIssues.push(`${r.kind}: ${r.message}`)
      return
    }
    const a = this.acc(r.usagePointId)
    if (r.kind === "duplicate") a.duplicates++
    else if (r.kind === "conflict") a.conflicts++
    else if (r.kind === "gap") {
      a.gaps.push({ readingTypeId: r.readingTypeId ?? "", start: iso(r.start!), end: iso(r.end!), seconds: r.end! - r.start! })
    } else a.issues.push(`${r.kind}: ${r.message}`)
  }

  finish(): ReadonlyArray<UsagePointSummary> {
    for (const gap of this.dedupe.gaps()) this.issue(gap)
    for (const c of this.bills.conflicts) this.acc(c.usagePointId).issues.push(`billConflict: ${c.message}`)
    return [...this.points.values()].map((a): UsagePointSummary => {
      const channels = [...a.channels.values()]
      const kwh = (flow: Flow) =>
        round(channels.filter((c) => c.flow === flow && c.unit === "kWh").reduce((s, c) => s + c.total, 0))
      const periods = this.bills.of(a.usagePointId)
      const charged = periods.filter((p) => p.summary.billLastPeriod !== null)
      const hasReadings = a.first !== Infinity
      const lt = this.localTime
      return {
        usagePointId: a.usagePointId,
        kind: a.kind !== "unknown" ? a.kind : inferKind(channels, this.commodities),
        ...(a.title !== undefined ? { title: a.title } : {}),
        readingCount: channels.reduce((s, c) => s + c.readings, 0),
        totalKWh: { import: kwh("delivered"), export: kwh("received"), net: kwh("net") },
        channels: channels.map((c) => ({
          readingTypeId: c.readingTypeId, flow: c.flow, unit: c.unit, readings: c.readings, total: round(c.total),
          ...(c.hasCost ? { cost: round(c.cost) } : {})
        })),
        firstStart: hasReadings ? iso(a.first) : null,
        lastEnd: hasReadings ? iso(a.last) : null,
        ...(hasReadings && lt !== undefined ? { firstLocalDate: toLocalDate(lt, a.first), lastLocalDate: toLocalDate(lt, a.last - 1) } : {}),
        intervalLengths: [...a.lengths].sort((x, y) => x - y),
        gaps: a.gaps,
        duplicates: a.duplicates,
        conflicts: a.conflicts,
        bills: periods.map(({ summary: s, duplicates }): BillSummary => ({
          start: iso(s.start),
          end: iso(s.start + s.duration),
          days: Math.round(s.duration / 86400),
          kWh: s.unit === "kWh" ? s.overallConsumption : null,
          usage: s.overallConsumption,
          unit: s.unit,
          totalCost: s.billLastPeriod,
          lineItems: s.lineItems.map(({ start, duration, ...item }) => ({
            ...item,
            ...(start !== undefined ? { start: iso(start), ...(duration !== undefined ? { end: iso(start + duration) } : {}) } : {})
          })),
          lineItemTotal: lineItemTotal(s),
          ...(s.statementDate !== undefined ? { statementDate: iso(s.statementDate) } : {}),
          ...(s.tariff !== undefined ? { tariff: s.tariff } : {}),
          duplicates
        })),
        billDuplicates: periods.reduce((n, p) => n + p.duplicates, 0),
        billTotal: charged.length === 0 ? null : round(charged.reduce((s, p) => s + p.summary.billLastPeriod!, 0)),
        issues: [...this.feedIssues, ...a.issues]
      }
    })
  }
}

/** Per-usage-point figures (what `meterbridge-greenbutton summarize` prints); readings are de-duplicated first. */
export const summarizeRecords = async (
  records: AsyncIterable<EspiRecord> | Iterable<EspiRecord>
): Promise<ReadonlyArray<UsagePointSummary>> => {
  const s = new Summarizer()
  for await (const r of records) s.add(r)
  return s.finish()
}

/** `summarizeRecords` over batches (`parseEspiBatches`, `readGreenButtonFileBatches`): no async step per record. */
export const summarizeBatches = async (
  batches: AsyncIterable<ReadonlyArray<EspiRecord>>
): Promise<ReadonlyArray<UsagePointSummary>> => {
  const s = new Summarizer()
  for await (const batch of batches) for (const r of batch) s.add(r)
  return s.finish()
}

/** `summarizeRecords(parseEspi(input))`: the CLI's figures for an ESPI feed (CSV: `summarizeRecords(parseGreenButtonCsv(…))`). */
export const summarize = (input: TextInput): Promise<ReadonlyArray<UsagePointSummary>> => summarizeBatches(parseEspiBatches(input))
