/**
 * What the Data Custodian serves, built from the dataset: ESPI feeds through `writeEspiFeed`, and the UsagePoint
 * listing with `ServiceDeliveryPoint` (account, meter, tariff), which the writer does not produce.
 */
import type { EspiFeed, WriterBlock, WriterMeterReading, WriterUsagePoint } from "../EspiWriter.ts"
import type { SandboxBlock, SandboxChannel, SandboxUsagePoint } from "./Dataset.ts"

/** Epoch seconds, half-open: a block or bill is served when it overlaps `[min, max)`. */
export interface Window {
  readonly min?: number
  readonly max?: number
}

export interface FeedQuirks {
  /**
   * SCE's files repeat the next day's first reading at the end of each daily IntervalBlock (97 readings in a
   * 24-hour block); a collector must not count it twice.
   */
  readonly readingAtBlockEnd?: boolean
}

const overlaps = (start: number, duration: number, w: Window) =>
  (w.max === undefined || start < w.max) && (w.min === undefined || start + duration > w.min)

const blocksOf = (channel: SandboxChannel, window: Window, quirks: FeedQuirks): Array<WriterBlock> => {
  const out: Array<WriterBlock> = []
  const blocks = channel.blocks
  for (let i = 0; i < blocks.length; i++) {
    const b: SandboxBlock = blocks[i]!
    if (!overlaps(b.start, b.duration, window)) continue
    const readings = b.readings.map((r) => ({ start: r.start, duration: r.duration, value: r.wh / 1000 }))
    const next = blocks[i + 1]?.readings[0]
    if (quirks.readingAtBlockEnd && next !== undefined) {
      readings.push({ start: next.start, duration: next.duration, value: next.wh / 1000 })
    }
    out.push({ start: b.start, duration: b.duration, readings })
  }
  return out
}

const meterReading = (channel: SandboxChannel, window: Window, quirks: FeedQuirks): WriterMeterReading => ({
  id: channel.id,
  readingType: {
    id: channel.id,
    unit: "kWh",
    flow: channel.flow,
    powerOfTenMultiplier: 0,
    intervalLength: channel.intervalSeconds,
    commodity: 1,
    kind: 12,
    accumulationBehaviour: 4,
    currency: 840
  },
  blocks: blocksOf(channel, window, quirks)
})

export interface FeedSelection {
  /** Only this MeterReading (channel id); all when absent. */
  readonly meterReadingId?: string
  readonly readings?: boolean
  readonly summaries?: boolean
}

export const writerUsagePoint = (
  up: SandboxUsagePoint,
  window: Window,
  quirks: FeedQuirks,
  select: FeedSelection = {}
): WriterUsagePoint => ({
  id: up.id,
  kind: "electricity",
  title: up.address,
  meterReadings: select.readings === false
    ? []
    : up.channels
      .filter((c) => select.meterReadingId === undefined || c.id === select.meterReadingId)
      .map((c) => meterReading(c, window, quirks)),
  usageSummaries: select.summaries === false ? [] : up.bills
    .filter((b) => overlaps(b.start, b.duration, window))
    .map((b) => ({
      id: b.id,
      start: b.start,
      duration: b.duration,
      billLastPeriod: b.totalCents / 100,
      overallConsumption: b.kWh,
      unit: "kWh",
      currency: 840,
      statementDate: b.statementDate,
      lineItems: b.lineItems.map((li) => ({ name: li.name, amount: li.cents / 100, start: b.start, duration: b.duration }))
    }))
})

/** Pacific time as ESPI LocalTimeParameters: UTC−8, DST +1 h from the 2nd Sunday of March to the 1st Sunday of November. */
export const PACIFIC = { tzOffset: -28800, dstOffset: 3600, dstStartRule: "360E2000", dstEndRule: "B40E2000" } as const

export const feedOf = (
  baseUrl: string,
  subscriptionId: string,
  usagePoints: ReadonlyArray<WriterUsagePoint>,
  updated: number
): EspiFeed => ({ subscriptionId, baseUrl, updated, localTime: PACIFIC, usagePoints })

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** The UsagePoint listing of a subscription, with each point's ServiceDeliveryPoint. */
export const usagePointFeed = (
  baseUrl: string,
  subscriptionId: string,
  usagePoints: ReadonlyArray<SandboxUsagePoint>,
  updated: number
): string => {
  const sub = `${baseUrl}/espi/1_1/resource/Subscription/${encodeURIComponent(subscriptionId)}`
  const when = new Date(updated * 1000).toISOString().replace(".000Z", "Z")
  const entries = usagePoints.map((up) => {
    const self = `${sub}/UsagePoint/${encodeURIComponent(up.id)}`
    return `<entry><id>urn:uuid:${up.id}</id><link rel="self" href="${esc(self)}"/><link rel="up" href="${esc(`${sub}/UsagePoint`)}"/>` +
      `<link rel="related" href="${esc(`${self}/MeterReading`)}"/><link rel="related" href="${esc(`${self}/UsageSummary`)}"/>` +
      `<title>${esc(up.address)}</title><published>${when}</published><updated>${when}</updated><content>` +
      `<espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory><espi:status>1</espi:status>` +
      `<espi:ServiceDeliveryPoint><espi:name>${esc(up.meter)}</espi:name><espi:tariffProfile>${esc(up.tariff)}</espi:tariffProfile>` +
      `<espi:customerAgreement>${esc(up.account)}</espi:customerAgreement></espi:ServiceDeliveryPoint></espi:UsagePoint>` +
      `</content></entry>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">` +
    `<id>urn:uuid:usagepoints-${esc(subscriptionId)}</id><title>UsagePoint</title><updated>${when}</updated>` +
    `<link rel="self" href="${esc(`${sub}/UsagePoint`)}"/>${entries.join("")}</feed>\n`
}
