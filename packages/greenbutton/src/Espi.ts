import { SaxesParser, type SaxesTagPlain } from "saxes"
import * as Data from "effect/Data"
import type { EspiRecord, Issue, LineItem, LocalTime, Reading, ReadingType, UsagePoint, UsageSummary } from "./EspiRecord.ts"
import { flowOf, scale, serviceKindOf, unitOf } from "./EspiUnits.ts"
import { toTextChunks, type TextInput } from "./TextInput.ts"
import { type Batches, Unbatch } from "./Batches.ts"

export * from "./EspiRecord.ts"

// Data.TaggedError, not Schema.TaggedError: loading effect/Schema costs the CLI ~0.1 s and ~30 MB at start-up.
/** The document is not well-formed XML, or holds a value that is not a number where ESPI requires one. */
export class EspiParseError extends Data.TaggedError("EspiParseError")<{ readonly message: string }> {}

export interface ParseEspiOptions {
  /**
   * How many readings may wait for a ReadingType that is linked but not yet seen (or not linked at all) before the
   * parse fails. Waiting readings cost 32 bytes each.
   */
  readonly maxBufferedReadings?: number
}

/**
 * Streams an ESPI (Green Button) Atom feed, or a bare ESPI resource, into records. Only the element being read is
 * held, never the document. Element names are matched by local name, so `espi:`, `ns0:` or default namespaces all
 * work. Readings whose ReadingType is not known yet are held back (bounded) and emitted once it is.
 */
export const parseEspi = (input: TextInput, options: ParseEspiOptions = {}): AsyncGenerator<EspiRecord, void, unknown> =>
  new Unbatch(parseEspiBatches(input, options))

/** `parseEspi` one input chunk at a time: each array holds the records a chunk completed (often hundreds). */
export async function* parseEspiBatches(input: TextInput, options: ParseEspiOptions = {}): Batches<EspiRecord> {
  const state = new EspiState(options.maxBufferedReadings ?? 2_000_000)
  const parser = new SaxesParser({ xmlns: false, position: false })
  let error: Error | undefined
  parser.on("error", (e) => {
    error ??= e
  })
  parser.on("opentag", (tag) => state.open(tag))
  parser.on("closetag", (tag) => state.close(tag.name))
  parser.on("text", (text) => state.text(text))
  parser.on("cdata", (text) => state.text(text))
  for await (const chunk of toTextChunks(input)) {
    parser.write(chunk)
    if (error !== undefined) throw new EspiParseError({ message: `Not well-formed XML: ${error.message}` })
    if (state.failure !== undefined) throw new EspiParseError({ message: state.failure })
    if (state.out.length > 0) yield state.take()
  }
  parser.close()
  if (error !== undefined) throw new EspiParseError({ message: `Not well-formed XML: ${error.message}` })
  if (!state.sawRoot) throw new EspiParseError({ message: "Empty document: no XML element found" })
  state.finish()
  if (state.failure !== undefined) throw new EspiParseError({ message: state.failure })
  if (state.out.length > 0) yield state.take()
}

// ---------------------------------------------------------------------------------------------------------------

interface Links {
  self?: string
  up?: string
  related: Array<string>
}

interface Channel {
  readonly usagePointId: string
  readonly readingType: ReadingType
  readonly exp: number
}

/** Readings of one IntervalBlock whose channel is not known yet. */
interface PendingBlock {
  readonly links: Links
  /** How many ReadingTypes had been seen when the block was read: used to guess for unlinked feeds. */
  readonly readingTypesSeen: number
  readonly usagePointsSeen: number
  readonly data: Array<number> // start, duration, raw value, raw cost (NaN when absent)
  readonly quality: Array<string | undefined>
}

/** Resource elements by lower-cased local name (a popular generator writes `IntervalBLock`). */
const RESOURCES = new Map(
  ["UsagePoint", "MeterReading", "ReadingType", "IntervalBlock", "UsageSummary", "ElectricPowerUsageSummary", "LocalTimeParameters"]
    .map((n) => [n.toLowerCase(), n] as const)
)
/** Elements that repeat inside a resource and become one object each. */
const GROUPS = new Set(["costAdditionalDetailLastPeriod"])

const localName = (name: string): string => {
  const i = name.indexOf(":")
  return i < 0 ? name : name.slice(i + 1)
}

const segmentAfter = (href: string | undefined, marker: string): string | undefined => {
  if (href === undefined) return undefined
  const q = href.search(/[?#]/)
  if (q >= 0) href = href.slice(0, q)
  const i = href.lastIndexOf(marker + "/")
  if (i < 0) return undefined
  const rest = href.slice(i + marker.length + 1)
  const j = rest.indexOf("/")
  const seg = j < 0 ? rest : rest.slice(0, j)
  return seg === "" ? undefined : decodeSafe(seg)
}

const decodeSafe = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * `uid/mid` of the MeterReading an href is under, ignoring the host and the path before `UsagePoint`
 * (`*​/mid` when the href names no UsagePoint).
 */
const meterReadingKey = (href: string | undefined): string | undefined => {
  const mr = segmentAfter(href, "MeterReading")
  return mr === undefined ? undefined : `${segmentAfter(href, "UsagePoint") ?? "*"}/${mr}`
}

// Hot-path element codes inside an IntervalBlock.
const F_NONE = 0, F_START = 1, F_DURATION = 2, F_VALUE = 3, F_COST = 4, F_QUALITY = 5

class EspiState {
  out: Array<EspiRecord> = []
  failure: string | undefined
  sawRoot = false

  private readonly maxBuffered: number
  private buffered = 0

  // Entry context.
  private entry: Links | undefined
  private entryDepth = -1
  private depth = 0
  private titleText: string | undefined
  private inTitle = false
  private deferred: Array<() => void> = []

  // Generic resource collection (everything except IntervalBlock).
  private resource: string | undefined
  private resourceDepth = -1
  private path: Array<string> = []
  private fields: Record<string, string> = {}
  private groups: Array<{ name: string; depth: number; fields: Record<string, string> }> = []
  private openGroup: { name: string; depth: number; fields: Record<string, string> } | undefined
  private textBuf = ""
  private collecting = false

  // IntervalBlock hot path.
  private inBlock = false
  private inReading = false
  private readingDepth = -1
  private field = F_NONE
  private fieldText = ""
  private blockChannel: Channel | undefined
  private blockPending: PendingBlock | undefined
  private rStart = NaN
  private rDuration = NaN
  private rValue = NaN
  private rCost = NaN
  private rQuality: string | undefined

  // Feed-wide knowledge.
  private readonly usagePoints: Array<UsagePoint> = []
  private readonly readingTypes = new Map<string, ReadingType>()
  private readonly readingTypeOrder: Array<ReadingType> = []
  /** MeterReading `uid/mid` → ReadingType id (null when the MeterReading links none). */
  private readonly meterReadings = new Map<string, string | null>()
  private readonly meterReadingOrder: Array<{ usagePointId: string; readingTypeId: string | null }> = []
  private readonly pending: Array<PendingBlock> = []
  private readonly channels = new Map<string, Channel>()
  private readonly reportedUoms = new Set<number>()

  constructor(maxBuffered: number) {
    this.maxBuffered = maxBuffered
  }

  /** The records completed so far; a fresh array each time, so handed-out batches are never changed. */
  take(): Array<EspiRecord> {
    const out = this.out
    this.out = []
    return out
  }

  open(tag: SaxesTagPlain): void {
    const name = localName(tag.name)
    if (!this.sawRoot) {
      this.sawRoot = true
      // Any XML reaches here once a file starts with `<`: say plainly when it is not Green Button at all.
      if (name !== "feed" && name !== "entry" && !RESOURCES.has(name.toLowerCase())) {
        this.failure ??= `Not a Green Button (ESPI) document: the root element is <${tag.name}>, not an Atom <feed> or an ESPI resource`
      }
    }
    this.depth++
    if (this.inBlock) {
      this.openInBlock(name)
      return
    }
    if (this.resource !== undefined) {
      this.path.push(name)
      if (GROUPS.has(name)) {
        this.openGroup = { name, depth: this.depth, fields: {} }
        this.groups.push(this.openGroup)
      }
      this.textBuf = ""
      this.collecting = true
      return
    }
    const resource = RESOURCES.get(name.toLowerCase())
    if (resource !== undefined) {
      if (resource === "IntervalBlock") this.openBlock()
      else this.openResource(resource)
      return
    }
    switch (name) {
      case "entry":
        this.entry = { related: [] }
        this.entryDepth = this.depth
        this.titleText = undefined
        return
      case "link":
        if (this.entry !== undefined && this.depth === this.entryDepth + 1) {
          const attrs = tag.attributes as Record<string, string>
          const href = attrs["href"]
          if (href === undefined) return
          const rel = attrs["rel"] ?? "alternate"
          if (rel === "self") this.entry.self = href
          else if (rel === "up") this.entry.up = href
          else if (rel === "related") this.entry.related.push(href)
        }
        return
      case "title":
        if (this.entry !== undefined && this.depth === this.entryDepth + 1) {
          this.inTitle = true
          this.textBuf = ""
        }
        return
    }
  }

  text(text: string): void {
    if (this.field !== F_NONE) this.fieldText += text
    else if (this.collecting || this.inTitle) this.textBuf += text
  }

  close(rawName: string): void {
    const d = this.depth--
    if (this.inBlock) {
      this.closeInBlock(rawName, d)
      return
    }
    if (this.resource !== undefined) {
      if (d === this.resourceDepth) {
        this.closeResource()
        return
      }
      const name = this.path.pop()!
      if (this.collecting) {
        const value = this.textBuf.trim()
        if (value !== "") {
          if (this.openGroup !== undefined) {
            const rel = this.path.slice(this.path.lastIndexOf(this.openGroup.name) + 1)
            rel.push(name)
            this.openGroup.fields[rel.join("/")] = value
          } else {
            this.fields[this.path.length === 0 ? name : this.path.join("/") + "/" + name] = value
          }
        }
      }
      this.collecting = false
      this.textBuf = ""
      if (this.openGroup !== undefined && d === this.openGroup.depth) this.openGroup = undefined
      return
    }
    if (this.inTitle && d === this.entryDepth + 1) {
      this.inTitle = false
      this.titleText = this.textBuf.trim()
      this.textBuf = ""
      return
    }
    if (this.entry !== undefined && d === this.entryDepth) {
      const run = this.deferred
      this.deferred = []
      for (const f of run) f()
      this.entry = undefined
      this.entryDepth = -1
    }
  }

  // --- IntervalBlock ------------------------------------------------------------------------------------------

  private openBlock(): void {
    this.inBlock = true
    this.resourceDepth = this.depth
    const links = this.entry ?? { related: [] }
    this.blockChannel = this.resolveNow(links)
    this.blockPending = undefined
    if (this.blockChannel === undefined) {
      this.blockPending = {
        links,
        readingTypesSeen: this.readingTypeOrder.length,
        usagePointsSeen: this.usagePoints.length,
        data: [],
        quality: []
      }
      this.pending.push(this.blockPending)
    }
  }

  private openInBlock(name: string): void {
    switch (name) {
      case "IntervalReading":
        this.inReading = true
        this.readingDepth = this.depth
        this.rStart = this.rDuration = this.rValue = this.rCost = NaN
        this.rQuality = undefined
        return
      case "start":
        if (this.inReading) this.field = F_START
        return
      case "duration":
        if (this.inReading) this.field = F_DURATION
        return
      case "value":
        if (this.inReading) this.field = F_VALUE
        return
      case "cost":
        if (this.inReading) this.field = F_COST
        return
      case "quality":
        if (this.inReading) this.field = F_QUALITY
        return
    }
  }

  /** Closing tags inside a block are told apart by depth, so the hot path never slices a tag name. */
  private closeInBlock(rawName: string, d: number): void {
    if (this.field !== F_NONE) {
      const t = this.fieldText
      this.fieldText = ""
      const f = this.field
      this.field = F_NONE
      if (f === F_QUALITY) {
        const q = t.trim()
        if (q !== "") this.rQuality = this.rQuality === undefined ? q : `${this.rQuality},${q}`
        return
      }
      const n = Number(t)
      if (!Number.isFinite(n)) {
        this.failure ??= `IntervalReading <${localName(rawName)}> is not a number: ${JSON.stringify(t.slice(0, 40))}`
        return
      }
      // An empty element (`<cost/>`) says nothing; a missing start or value is caught when the reading closes.
      // (Only blank text reads as 0, so the trim is paid for zeros alone.)
      if (n === 0 && t.trim() === "") return
      if (f === F_START) this.rStart = n
      else if (f === F_DURATION) this.rDuration = n
      else if (f === F_VALUE) this.rValue = n
      else this.rCost = n
      return
    }
    if (d === this.readingDepth) {
      this.inReading = false
      this.readingDepth = -1
      this.emitReading()
      return
    }
    if (d === this.resourceDepth) {
      this.inBlock = false
      this.resourceDepth = -1
      this.blockChannel = undefined
      this.blockPending = undefined
    }
  }

  private emitReading(): void {
    if (Number.isNaN(this.rStart) || Number.isNaN(this.rValue)) {
      // A reading without a start or a value carries nothing we could place; ESPI requires both.
      this.failure ??= "IntervalReading without timePeriod/start or value"
      return
    }
    const duration = Number.isNaN(this.rDuration) ? 0 : this.rDuration
    const ch = this.blockChannel
    if (ch !== undefined) {
      this.out.push(makeReading(ch, this.rStart, duration, this.rValue, this.rCost, this.rQuality))
      return
    }
    const p = this.blockPending!
    p.data.push(this.rStart, duration, this.rValue, this.rCost)
    p.quality.push(this.rQuality)
    if (++this.buffered > this.maxBuffered) {
      this.failure ??= `More than ${this.maxBuffered} readings wait for a ReadingType that never came`
    }
  }

  // --- Channel resolution -------------------------------------------------------------------------------------

  /** The channel of a block if everything it links to is already known. */
  private resolveNow(links: Links): Channel | undefined {
    const key = meterReadingKey(links.self) ?? meterReadingKey(links.up)
    if (key === undefined) return undefined
    const rtId = this.meterReadings.get(key)
    if (rtId === undefined || rtId === null) return undefined
    const rt = this.readingTypes.get(rtId)
    if (rt === undefined) return undefined
    return this.channel(this.usagePointOfKey(key), rt)
  }

  private usagePointOfKey(key: string): string {
    const up = key.slice(0, key.indexOf("/"))
    return up !== "*" ? up : this.usagePoints.at(-1)?.id ?? "1"
  }

  private channel(usagePointId: string, rt: ReadingType): Channel {
    const k = `${usagePointId}\u0000${rt.id}`
    let ch = this.channels.get(k)
    if (ch === undefined) {
      const u = unitOf(rt.uom)
      ch = { usagePointId, readingType: rt, exp: rt.powerOfTenMultiplier + u.exp }
      this.channels.set(k, ch)
    }
    return ch
  }

  private retryPending(): void {
    if (this.pending.length === 0) return
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i]!
      if (p === this.blockPending) continue
      const ch = this.resolveNow(p.links)
      if (ch !== undefined) {
        this.flushPending(p, ch)
        this.pending.splice(i--, 1)
      }
    }
  }

  private flushPending(p: PendingBlock, ch: Channel): void {
    const d = p.data
    for (let i = 0, j = 0; i < d.length; i += 4, j++) {
      this.out.push(makeReading(ch, d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!, p.quality[j]))
    }
    this.buffered -= p.quality.length
  }

  /** End of document: place what is still waiting, by the best guess available, and say so. */
  finish(): void {
    if (this.inBlock || this.resource !== undefined) {
      this.failure ??= "Document ended inside an ESPI resource"
      return
    }
    for (const p of this.pending) {
      const key = meterReadingKey(p.links.self) ?? meterReadingKey(p.links.up)
      const usagePointId = (key === undefined ? undefined : this.usagePointOfKey(key))
        ?? segmentAfter(p.links.self, "UsagePoint") ?? segmentAfter(p.links.up, "UsagePoint")
        ?? this.guessUsagePoint(p)
      const linked = key === undefined ? undefined : this.meterReadings.get(key)
      let rt = linked === undefined || linked === null ? undefined : this.readingTypes.get(linked)
      if (rt === undefined) {
        rt = this.guessReadingType(p, usagePointId)
        if (rt === undefined) {
          rt = assumedReadingType
          this.out.push(issue("missingReadingType", usagePointId, rt.id,
            "IntervalBlock with no ReadingType in the feed: values read as Wh, delivered"))
        } else {
          this.out.push(issue("unlinked", usagePointId, rt.id,
            `IntervalBlock ${p.links.self ?? "(no self link)"} is not linked to a known ReadingType; used ReadingType ${rt.id}`))
        }
      }
      this.flushPending(p, this.channel(usagePointId, rt))
    }
    this.pending.length = 0
  }

  private guessUsagePoint(p: PendingBlock): string {
    if (this.usagePoints.length === 0) return "1"
    return this.usagePoints[Math.max(0, p.usagePointsSeen - 1)]!.id
  }

  private guessReadingType(p: PendingBlock, usagePointId: string): ReadingType | undefined {
    if (this.readingTypeOrder.length === 1) return this.readingTypeOrder[0]
    // The usage point's only MeterReading may link a ReadingType even when the block names no MeterReading.
    const mrs = this.meterReadingOrder.filter((m) => m.usagePointId === usagePointId && m.readingTypeId !== null)
    if (mrs.length === 1) {
      const rt = this.readingTypes.get(mrs[0]!.readingTypeId!)
      if (rt !== undefined) return rt
    }
    if (this.readingTypeOrder.length === 0) return undefined
    // Otherwise the ReadingType nearest before the block in document order, else the first after it.
    return this.readingTypeOrder[Math.max(0, p.readingTypesSeen - 1)]
  }

  // --- Other resources ----------------------------------------------------------------------------------------

  private openResource(name: string): void {
    this.resource = name
    this.resourceDepth = this.depth
    this.path = []
    this.fields = {}
    this.groups = []
    this.openGroup = undefined
  }

  private closeResource(): void {
    const name = this.resource!
    const fields = this.fields
    const groups = this.groups
    this.resource = undefined
    this.resourceDepth = -1
    this.collecting = false
    this.textBuf = ""
    const links = this.entry ?? { related: [] }
    const title = this.titleText
    // Links may follow <content>; resources are finished when their entry closes.
    const finish = () => this.finishResource(name, fields, groups, links, this.titleText ?? title)
    if (this.entry !== undefined) this.deferred.push(finish)
    else finish()
  }

  private finishResource(
    name: string,
    f: Record<string, string>,
    groups: ReadonlyArray<{ name: string; fields: Record<string, string> }>,
    links: Links,
    title: string | undefined
  ): void {
    switch (name) {
      case "UsagePoint": {
        const id = segmentAfter(links.self, "UsagePoint") ?? String(this.usagePoints.length + 1)
        const kind = serviceKindOf(num(f["ServiceCategory/kind"]))
        const up: UsagePoint = {
          _tag: "UsagePoint",
          id,
          kind,
          ...(title !== undefined && title !== "" ? { title } : {}),
          ...(links.self !== undefined ? { selfHref: links.self } : {})
        }
        this.usagePoints.push(up)
        this.out.push(up)
        return
      }
      case "MeterReading": {
        const usagePointId = segmentAfter(links.self, "UsagePoint") ?? segmentAfter(links.up, "UsagePoint")
          ?? this.usagePoints.at(-1)?.id ?? "1"
        const mrId = segmentAfter(links.self, "MeterReading") ?? String(this.meterReadingOrder.length + 1)
        const rtHref = links.related.find((h) => segmentAfter(h, "ReadingType") !== undefined)
        const rtId = segmentAfter(rtHref, "ReadingType") ?? null
        this.meterReadings.set(`${usagePointId}/${mrId}`, rtId)
        // Blocks whose hrefs name no UsagePoint find their MeterReading by its id alone.
        if (!this.meterReadings.has(`*/${mrId}`)) this.meterReadings.set(`*/${mrId}`, rtId)
        this.meterReadingOrder.push({ usagePointId, readingTypeId: rtId })
        this.retryPending()
        return
      }
      case "ReadingType": {
        const id = segmentAfter(links.self, "ReadingType") ?? String(this.readingTypeOrder.length + 1)
        const uom = num(f["uom"]) ?? 72
        const flowDirection = num(f["flowDirection"])
        const owner = this.meterReadingOrder.find((m) => m.readingTypeId === id)
        const rt: ReadingType = {
          _tag: "ReadingType",
          id,
          ...(owner !== undefined ? { usagePointId: owner.usagePointId } : {}),
          unit: unitOf(uom).unit,
          uom,
          powerOfTenMultiplier: num(f["powerOfTenMultiplier"]) ?? 0,
          flow: flowOf(flowDirection),
          ...opt("flowDirection", flowDirection),
          ...opt("intervalLength", num(f["intervalLength"])),
          ...opt("commodity", num(f["commodity"])),
          ...opt("accumulationBehaviour", num(f["accumulationBehaviour"])),
          ...opt("kind", num(f["kind"])),
          ...opt("currency", num(f["currency"]))
        }
        if (num(f["uom"]) === undefined) {
          this.out.push(issue("unknownUom", rt.usagePointId, id, `ReadingType ${id} has no uom; values read as Wh`))
        } else if (!unitOf(uom).known && !this.reportedUoms.has(uom)) {
          this.reportedUoms.add(uom)
          this.out.push(issue("unknownUom", rt.usagePointId, id, `uom ${uom} has no known unit; values are raw × 10^powerOfTenMultiplier`))
        }
        this.readingTypes.set(id, rt)
        this.readingTypeOrder.push(rt)
        this.out.push(rt)
        this.retryPending()
        return
      }
      case "LocalTimeParameters": {
        const lt: LocalTime = {
          _tag: "LocalTime",
          ...opt("id", segmentAfter(links.self, "LocalTimeParameters")),
          tzOffset: num(f["tzOffset"]) ?? 0,
          dstOffset: num(f["dstOffset"]) ?? 0,
          dstStartRule: f["dstStartRule"] ?? "",
          dstEndRule: f["dstEndRule"] ?? ""
        }
        this.out.push(lt)
        return
      }
      case "UsageSummary":
      case "ElectricPowerUsageSummary": {
        this.out.push(this.summary(f, groups, links))
        return
      }
    }
  }

  private summary(
    f: Record<string, string>,
    groups: ReadonlyArray<{ name: string; fields: Record<string, string> }>,
    links: Links
  ): UsageSummary {
    const usagePointId = segmentAfter(links.self, "UsagePoint") ?? segmentAfter(links.up, "UsagePoint")
      ?? this.usagePoints.at(-1)?.id ?? "1"
    const uom = num(f["overallConsumptionLastPeriod/uom"])
    const consumptionRaw = num(f["overallConsumptionLastPeriod/value"])
    const u = unitOf(uom ?? this.defaultUom(usagePointId))
    const bill = num(f["billLastPeriod"])
    const lineItems: Array<LineItem> = groups.map((g) => {
      const mUom = num(g.fields["measurement/uom"])
      const mValue = num(g.fields["measurement/value"])
      const mu = mUom === undefined ? undefined : unitOf(mUom)
      const start = num(g.fields["itemPeriod/start"])
      const duration = num(g.fields["itemPeriod/duration"])
      const itemKind = num(g.fields["itemKind"])
      const unitCost = num(g.fields["unitCost"])
      return {
        name: g.fields["note"] ?? `itemKind ${itemKind ?? "?"}`,
        amount: (num(g.fields["amount"]) ?? 0) / 100_000,
        ...opt("start", start),
        ...opt("duration", duration),
        ...opt("itemKind", itemKind),
        ...opt("unitCost", unitCost === undefined ? undefined : unitCost / 100_000),
        ...(mu !== undefined && mValue !== undefined
          ? { measurement: { value: scale(mValue, (num(g.fields["measurement/powerOfTenMultiplier"]) ?? 0) + mu.exp), unit: mu.unit } }
          : {})
      }
    })
    // ESPI 1.0 summaries (the GBA samples) carry only a total of additional costs, no itemized detail.
    const additional = num(f["costAdditionalLastPeriod"])
    if (lineItems.length === 0 && additional !== undefined && additional !== 0) {
      lineItems.push({ name: "costAdditionalLastPeriod", amount: additional / 100_000 })
    }
    const statement = f["statusTimeStamp"]
    return {
      _tag: "UsageSummary",
      ...opt("id", segmentAfter(links.self, "UsageSummary") ?? segmentAfter(links.self, "ElectricPowerUsageSummary")),
      usagePointId,
      start: num(f["billingPeriod/start"]) ?? 0,
      duration: num(f["billingPeriod/duration"]) ?? 0,
      billLastPeriod: bill === undefined ? null : bill / 100_000,
      overallConsumption: consumptionRaw === undefined
        ? null
        : scale(consumptionRaw, (num(f["overallConsumptionLastPeriod/powerOfTenMultiplier"]) ?? 0) + u.exp),
      unit: u.unit,
      ...opt("currency", num(f["currency"])),
      // statusTimeStamp is seconds in ESPI but milliseconds in PG&E's feed; 1e11 s is the year 5138.
      ...opt("statementDate", statement === undefined ? undefined : secondsOf(Number(statement))),
      ...opt("quality", f["qualityOfReading"]),
      ...opt("tariff", f["tariffProfile"]),
      lineItems
    }
  }

  private defaultUom(usagePointId: string): number {
    const up = this.usagePoints.find((u) => u.id === usagePointId)
    return up?.kind === "gas" ? 169 : 72
  }
}

const secondsOf = (n: number): number | undefined =>
  !Number.isFinite(n) ? undefined : n > 1e11 ? Math.floor(n / 1000) : n

const assumedReadingType: ReadingType = {
  _tag: "ReadingType",
  id: "assumed-Wh",
  unit: "kWh",
  uom: 72,
  powerOfTenMultiplier: 0,
  flow: "delivered"
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined
  const n = Number(s)
  return s.trim() === "" || !Number.isFinite(n) ? undefined : n
}

const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

const issue = (kind: Issue["kind"], usagePointId: string | undefined, readingTypeId: string | undefined, message: string): Issue => ({
  _tag: "Issue",
  kind,
  ...opt("usagePointId", usagePointId),
  ...opt("readingTypeId", readingTypeId),
  message
})

/**
 * One literal per shape, never a property added afterwards: an added property moves the object onto a separate
 * backing store (a second allocation per reading), and a 10-year feed makes 350,000 of them.
 */
const makeReading = (ch: Channel, start: number, duration: number, raw: number, rawCost: number, quality: string | undefined): Reading => {
  const rt = ch.readingType
  // A reading without timePeriod/duration lasts the ReadingType's intervalLength.
  if (duration === 0 && rt.intervalLength !== undefined) duration = rt.intervalLength
  const usagePointId = ch.usagePointId, readingTypeId = rt.id, value = scale(raw, ch.exp), unit = rt.unit, flow = rt.flow
  if (Number.isNaN(rawCost)) {
    return quality === undefined
      ? { _tag: "Reading", usagePointId, readingTypeId, start, duration, value, unit, flow }
      : { _tag: "Reading", usagePointId, readingTypeId, start, duration, value, unit, flow, quality }
  }
  const cost = rawCost / 100_000
  return quality === undefined
    ? { _tag: "Reading", usagePointId, readingTypeId, start, duration, value, unit, flow, cost }
    : { _tag: "Reading", usagePointId, readingTypeId, start, duration, value, unit, flow, quality, cost }
}
