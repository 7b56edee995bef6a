import { Schema } from "effect"
import type { Flow, LineItem, LocalTime, ServiceKind, Unit } from "./EspiRecord.ts"
import { offsetAt } from "./EspiLocalTime.ts"
import { flowDirectionOf, serviceKindCode, uomOf } from "./EspiUnits.ts"

/** A reading to write, in Meterbridge units (kWh, therm …); `cost` in currency units. */
export interface WriterReading {
  readonly start: number
  readonly duration: number
  readonly value: number
  readonly cost?: number
  readonly quality?: string
}

export interface WriterBlock {
  readonly start: number
  readonly duration: number
  readonly readings: Iterable<WriterReading> | AsyncIterable<WriterReading>
}

export interface WriterReadingType {
  readonly id: string
  readonly unit: Unit
  readonly flow: Flow
  /** Power of ten of the written integers: 0 writes Wh for kWh data, −3 writes thousandths of a therm. */
  readonly powerOfTenMultiplier?: number
  readonly intervalLength?: number
  readonly commodity?: number
  readonly accumulationBehaviour?: number
  readonly kind?: number
  readonly currency?: number
}

export interface WriterMeterReading {
  readonly id: string
  readonly readingType: WriterReadingType
  /**
   * Either explicit blocks, or readings (in time order) that the writer cuts into one IntervalBlock per local day
   * (so DST days are 23 and 25 hours long, as utilities write them).
   */
  readonly blocks?: Iterable<WriterBlock> | AsyncIterable<WriterBlock>
  readonly readings?: Iterable<WriterReading> | AsyncIterable<WriterReading>
}

export interface WriterUsageSummary {
  readonly id?: string
  readonly start: number
  readonly duration: number
  readonly billLastPeriod: number | null
  readonly overallConsumption: number | null
  readonly unit: Unit
  readonly currency?: number
  readonly statementDate?: number
  readonly lineItems?: ReadonlyArray<LineItem>
}

export interface WriterUsagePoint {
  readonly id: string
  readonly kind: ServiceKind
  readonly title?: string
  readonly meterReadings: ReadonlyArray<WriterMeterReading>
  readonly usageSummaries?: ReadonlyArray<WriterUsageSummary>
}

export interface EspiFeed {
  readonly subscriptionId: string
  /** Prepended to every href, e.g. `http://127.0.0.1:4321`. Default: none (root-relative hrefs). */
  readonly baseUrl?: string
  readonly title?: string
  /** Epoch seconds; default 0 so output is reproducible. */
  readonly updated?: number
  readonly localTime?: Omit<LocalTime, "_tag" | "id">
  readonly usagePoints: ReadonlyArray<WriterUsagePoint>
}

export interface WriteEspiOptions {
  /** `entryPerBlock`: one Atom entry per IntervalBlock (most utilities). `blocksInOneEntry`: all of a MeterReading's blocks in one entry. */
  readonly layout?: "entryPerBlock" | "blocksInOneEntry"
  /** Approximate size of the yielded string chunks. */
  readonly chunkSize?: number
}

/** The data cannot be written as ESPI (a unit with no uom code, a non-finite number). */
export class EspiWriteError extends Schema.TaggedError<EspiWriteError>()("EspiWriteError", { message: Schema.String }) {}

/**
 * Writes an Atom + ESPI 1.1 feed as string chunks, streaming: readings are pulled from the input as the output is
 * consumed, so a sandbox can serve ten years of 15-minute data without holding the document.
 */
export async function* writeEspiFeed(feed: EspiFeed, options: WriteEspiOptions = {}): AsyncGenerator<string> {
  const layout = options.layout ?? "entryPerBlock"
  const chunkSize = options.chunkSize ?? 1 << 16
  const root = `${feed.baseUrl ?? ""}/espi/1_1/resource`
  const sub = `${root}/Subscription/${enc(feed.subscriptionId)}`
  const updated = iso(feed.updated ?? 0)
  let buf = ""

  buf += `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">\n`
  buf += `<id>${urn(sub)}</id>\n<title>${esc(feed.title ?? "Green Button Subscription Feed")}</title>\n<updated>${updated}</updated>\n`
  buf += `<link rel="self" href="${attr(`${root}/Batch/Subscription/${enc(feed.subscriptionId)}`)}"/>\n`

  const ltHref = `${root}/LocalTimeParameters/1`
  if (feed.localTime !== undefined) {
    const lt = feed.localTime
    buf += entry(ltHref, `${root}/LocalTimeParameters`, [], "DST for North America", updated,
      `<espi:LocalTimeParameters><espi:dstEndRule>${esc(lt.dstEndRule)}</espi:dstEndRule><espi:dstOffset>${int(lt.dstOffset)}</espi:dstOffset>` +
        `<espi:dstStartRule>${esc(lt.dstStartRule)}</espi:dstStartRule><espi:tzOffset>${int(lt.tzOffset)}</espi:tzOffset></espi:LocalTimeParameters>`)
  }

  for (const up of feed.usagePoints) {
    const upHref = `${sub}/UsagePoint/${enc(up.id)}`
    const related = [`${upHref}/MeterReading`, `${upHref}/UsageSummary`]
    if (feed.localTime !== undefined) related.push(ltHref)
    buf += entry(upHref, `${sub}/UsagePoint`, related, up.title ?? up.id, updated,
      `<espi:UsagePoint><espi:ServiceCategory><espi:kind>${serviceKindCode(up.kind)}</espi:kind></espi:ServiceCategory></espi:UsagePoint>`)

    for (const mr of up.meterReadings) {
      const rt = mr.readingType
      const u = uomOf(rt.unit)
      if (u === undefined) throw new EspiWriteError({ message: `No ESPI uom for unit ${JSON.stringify(rt.unit)}` })
      const pm = rt.powerOfTenMultiplier ?? 0
      const exp = pm + u.exp
      const mrHref = `${upHref}/MeterReading/${enc(mr.id)}`
      const rtHref = `${root}/ReadingType/${enc(rt.id)}`
      buf += entry(mrHref, `${upHref}/MeterReading`, [rtHref, `${mrHref}/IntervalBlock`], `${up.title ?? up.id} ${rt.flow}`, updated,
        `<espi:MeterReading/>`)
      buf += entry(rtHref, `${root}/ReadingType`, [], `${rt.flow} (${rt.unit})`, updated, readingTypeXml(rt, u.uom, pm))

      const blocks = mr.blocks ?? (mr.readings !== undefined ? blocksByLocalDay(mr.readings, feed.localTime) : [])
      const blockBase = `${mrHref}/IntervalBlock`
      if (layout === "blocksInOneEntry") {
        buf += `<entry>\n<id>${urn(blockBase)}</id>\n<link rel="self" href="${attr(blockBase)}"/>\n<link rel="up" href="${attr(mrHref)}"/>\n` +
          `<title>${esc(rt.flow)}</title>\n<published>${updated}</published>\n<updated>${updated}</updated>\n<content>\n`
      }
      let n = 0
      for await (const block of blocks) {
        n++
        if (layout === "entryPerBlock") {
          const bHref = `${blockBase}/${n}`
          buf += `<entry>\n<id>${urn(bHref)}</id>\n<link rel="self" href="${attr(bHref)}"/>\n<link rel="up" href="${attr(blockBase)}"/>\n` +
            `<title/>\n<published>${updated}</published>\n<updated>${updated}</updated>\n<content>\n`
        }
        buf += `<espi:IntervalBlock><espi:interval><espi:duration>${int(block.duration)}</espi:duration><espi:start>${int(block.start)}</espi:start></espi:interval>\n`
        for await (const r of block.readings) {
          buf += "<espi:IntervalReading>"
          if (r.cost !== undefined) buf += `<espi:cost>${Math.round(r.cost * 100_000)}</espi:cost>`
          if (r.quality !== undefined) for (const q of r.quality.split(",")) buf += `<espi:ReadingQuality><espi:quality>${esc(q)}</espi:quality></espi:ReadingQuality>`
          buf += `<espi:timePeriod><espi:duration>${int(r.duration)}</espi:duration><espi:start>${int(r.start)}</espi:start></espi:timePeriod>` +
            `<espi:value>${raw(r.value, exp)}</espi:value></espi:IntervalReading>\n`
          if (buf.length >= chunkSize) {
            yield buf
            buf = ""
          }
        }
        buf += "</espi:IntervalBlock>\n"
        if (layout === "entryPerBlock") buf += "</content>\n</entry>\n"
      }
      if (layout === "blocksInOneEntry") buf += "</content>\n</entry>\n"
    }

    let s = 0
    for (const summary of up.usageSummaries ?? []) {
      s++
      const sHref = `${upHref}/UsageSummary/${enc(summary.id ?? String(s))}`
      buf += entry(sHref, `${upHref}/UsageSummary`, [], `Billing period ${s}`, updated, usageSummaryXml(summary))
      if (buf.length >= chunkSize) {
        yield buf
        buf = ""
      }
    }
  }
  buf += "</feed>\n"
  yield buf
}

/** Cuts time-ordered readings into one block per local day (by `localTime`, UTC days without it). */
export async function* blocksByLocalDay(
  readings: Iterable<WriterReading> | AsyncIterable<WriterReading>,
  localTime: Omit<LocalTime, "_tag" | "id"> | undefined
): AsyncGenerator<WriterBlock> {
  const lt: LocalTime = { _tag: "LocalTime", ...(localTime ?? { tzOffset: 0, dstOffset: 0, dstStartRule: "", dstEndRule: "" }) }
  const dayOf = (t: number) => Math.floor((t + offsetAt(lt, t)) / 86400)
  let day = NaN
  let current: Array<WriterReading> = []
  const flush = (): WriterBlock => {
    const first = current[0]!, last = current[current.length - 1]!
    // The block spans the whole local day, so a day with a missing reading still says which day it is.
    const d0 = dayOf(first.start) * 86400
    const start = d0 - offsetAt(lt, first.start)
    const endLocal = d0 + 86400
    const end = Math.max(endLocal - offsetAt(lt, endLocal - offsetAt(lt, first.start)), last.start + last.duration)
    return { start, duration: end - start, readings: current }
  }
  for await (const r of readings) {
    const d = dayOf(r.start)
    if (d !== day && current.length > 0) {
      yield flush()
      current = []
    }
    day = d
    current.push(r)
  }
  if (current.length > 0) yield flush()
}

const readingTypeXml = (rt: WriterReadingType, uom: number, pm: number): string =>
  "<espi:ReadingType>" +
  `<espi:accumulationBehaviour>${int(rt.accumulationBehaviour ?? 4)}</espi:accumulationBehaviour>` +
  `<espi:commodity>${int(rt.commodity ?? (uom === 169 ? 7 : 1))}</espi:commodity>` +
  (rt.currency !== undefined ? `<espi:currency>${int(rt.currency)}</espi:currency>` : "") +
  `<espi:flowDirection>${flowDirectionOf(rt.flow)}</espi:flowDirection>` +
  (rt.intervalLength !== undefined ? `<espi:intervalLength>${int(rt.intervalLength)}</espi:intervalLength>` : "") +
  `<espi:kind>${int(rt.kind ?? 12)}</espi:kind>` +
  `<espi:powerOfTenMultiplier>${int(pm)}</espi:powerOfTenMultiplier>` +
  `<espi:uom>${uom}</espi:uom>` +
  "</espi:ReadingType>"

const measurementXml = (tag: string, value: number, unit: Unit): string => {
  const u = uomOf(unit)
  if (u === undefined) throw new EspiWriteError({ message: `No ESPI uom for unit ${JSON.stringify(unit)}` })
  // Thousandths keep fractional kWh and therms exact enough for bills.
  return `<espi:${tag}><espi:powerOfTenMultiplier>${-3 - u.exp}</espi:powerOfTenMultiplier><espi:uom>${u.uom}</espi:uom>` +
    `<espi:value>${raw(value, -3)}</espi:value></espi:${tag}>`
}

const usageSummaryXml = (s: WriterUsageSummary): string => {
  let x = `<espi:UsageSummary><espi:billingPeriod><espi:duration>${int(s.duration)}</espi:duration><espi:start>${int(s.start)}</espi:start></espi:billingPeriod>`
  if (s.billLastPeriod !== null) x += `<espi:billLastPeriod>${money(s.billLastPeriod)}</espi:billLastPeriod>`
  for (const li of s.lineItems ?? []) {
    x += `<espi:costAdditionalDetailLastPeriod><espi:amount>${money(li.amount)}</espi:amount>` +
      `<espi:dateTime>${int(li.start ?? s.start)}</espi:dateTime><espi:note>${esc(li.name)}</espi:note>` +
      (li.measurement !== undefined ? measurementXml("measurement", li.measurement.value, li.measurement.unit) : "") +
      (li.itemKind !== undefined ? `<espi:itemKind>${int(li.itemKind)}</espi:itemKind>` : "") +
      (li.unitCost !== undefined ? `<espi:unitCost>${money(li.unitCost)}</espi:unitCost>` : "") +
      (li.start !== undefined && li.duration !== undefined
        ? `<espi:itemPeriod><espi:duration>${int(li.duration)}</espi:duration><espi:start>${int(li.start)}</espi:start></espi:itemPeriod>`
        : "") +
      "</espi:costAdditionalDetailLastPeriod>"
  }
  if (s.currency !== undefined) x += `<espi:currency>${int(s.currency)}</espi:currency>`
  if (s.overallConsumption !== null) x += measurementXml("overallConsumptionLastPeriod", s.overallConsumption, s.unit)
  // statusTimeStamp is required by the schema: without a statement date, the end of the billing period.
  x += `<espi:statusTimeStamp>${int(s.statementDate ?? s.start + s.duration)}</espi:statusTimeStamp>`
  return x + "</espi:UsageSummary>"
}

const entry = (self: string, up: string, related: ReadonlyArray<string>, title: string, updated: string, content: string): string =>
  `<entry>\n<id>${urn(self)}</id>\n<link rel="self" href="${attr(self)}"/>\n<link rel="up" href="${attr(up)}"/>\n` +
  related.map((h) => `<link rel="related" href="${attr(h)}"/>\n`).join("") +
  `<title>${esc(title)}</title>\n<published>${updated}</published>\n<updated>${updated}</updated>\n<content>${content}</content>\n</entry>\n`

const int = (n: number): string => {
  if (!Number.isFinite(n)) throw new EspiWriteError({ message: `Not a finite number: ${n}` })
  return String(Math.round(n))
}
const money = (amount: number): string => int(amount * 100_000)
/** The integer ESPI writes for `value` when the reader scales by 10^exp. */
const raw = (value: number, exp: number): string => int(exp < 0 ? value * 10 ** -exp : value / 10 ** exp)

const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace(".000Z", "Z")
const enc = (s: string): string => encodeURIComponent(s)
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const attr = (s: string): string => esc(s).replace(/"/g, "&quot;")

/** A stable urn:uuid from an href (FNV-1a), so the same data always writes the same feed. */
const urn = (href: string): string => {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ href.length
  for (let i = 0; i < href.length; i++) {
    h1 = Math.imul(h1 ^ href.charCodeAt(i), 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ href.charCodeAt(href.length - 1 - i), 0x01000193) >>> 0
  }
  const hex = (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(2)
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
