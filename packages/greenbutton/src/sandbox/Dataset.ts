/**
 * The Data Custodian sandbox's data: deterministic, generated from a seed, so tests compute what a collector must
 * return straight from here (the back door) instead of trusting the code under test.
 * Instants are epoch SECONDS (UTC), as ESPI writes them; values are whole Wh, as ESPI `value` with uom 72 and
 * powerOfTenMultiplier 0.
 */
import { LocalTime } from "@meterbridge/core"

export type ChannelFlow = "delivered" | "received"

export interface SandboxReading {
  readonly start: number
  readonly duration: number
  /** Whole Wh. */
  readonly wh: number
}

/** One local day's readings of one channel: an ESPI IntervalBlock. */
export interface SandboxBlock {
  readonly start: number
  readonly duration: number
  readonly readings: ReadonlyArray<SandboxReading>
}

export interface SandboxChannel {
  /** The MeterReading / ReadingType id. */
  readonly id: string
  readonly flow: ChannelFlow
  readonly intervalSeconds: number
  readonly blocks: ReadonlyArray<SandboxBlock>
}

export interface SandboxLineItem {
  readonly name: string
  /** Cents. */
  readonly cents: number
}

/** One billing period: an ESPI UsageSummary. */
export interface SandboxBill {
  readonly id: string
  readonly start: number
  readonly duration: number
  readonly statementDate: number
  /** Net kWh of the period (delivered − received), as the bill states it. */
  readonly kWh: number
  /** Cents; always the sum of the line items. */
  readonly totalCents: number
  readonly lineItems: ReadonlyArray<SandboxLineItem>
}

export interface SandboxUsagePoint {
  /** The UsagePoint id in resource URIs. */
  readonly id: string
  readonly account: string
  readonly meter: string
  readonly address: string
  readonly tariff: string
  readonly channels: ReadonlyArray<SandboxChannel>
  readonly bills: ReadonlyArray<SandboxBill>
}

export interface SandboxCustomer {
  /** What the test customer types on the consent page. */
  readonly username: string
  readonly usagePoints: ReadonlyArray<SandboxUsagePoint>
}

export interface GenerateOptions {
  /** First local day (YYYY-MM-DD); default 2024-01-01. */
  readonly from?: string
  /** Days of data; default 400 (over a year, both DST changes). */
  readonly days?: number
  readonly timeZone?: string
  /** Changes every value; the same seed always yields the same dataset. */
  readonly seed?: number
  /** UsagePoint ids, accounts and meters to use (utilities number them differently). */
  readonly ids?: {
    readonly nem: { readonly usagePoint: string; readonly account: string; readonly meter: string }
    readonly commercial: { readonly usagePoint: string; readonly account: string; readonly meter: string }
  }
}

/** Seconds east of UTC in the zone at an instant (−25200 for Pacific daylight time). */
export const offsetSeconds = (zone: LocalTime.Zone, epochSeconds: number): number =>
  LocalTime.offsetMinutes(zone, epochSeconds * 1000) * 60

/** The instant of local midnight starting the given calendar day (days past a month's end roll over). */
export const localMidnight = (zone: LocalTime.Zone, year: number, month: number, day: number): number =>
  LocalTime.startOfDay(zone, { year, month, day }) / 1000

/**
 * Local hour of day (0–23) of instants in `[fromS, toS)`: the zone's offsets are looked up once for the range
 * (`LocalTime.offsetSpans`), not once per reading.
 */
const localHours = (zone: LocalTime.Zone, fromS: number, toS: number) => {
  const spans = LocalTime.offsetSpans(zone, fromS * 1000, toS * 1000)
  return (epochSeconds: number): number => {
    const ms = epochSeconds * 1000
    const offsetMinutes = spans.find((s) => ms < s.endMs)?.offsetMinutes ?? LocalTime.offsetMinutes(zone, ms)
    return Math.floor((((epochSeconds + offsetMinutes * 60) % 86400) + 86400) % 86400 / 3600)
  }
}

/** A stable pseudo-random number in [0, 1) from integers (no state, so any slice regenerates identically). */
const noise = (...keys: ReadonlyArray<number>): number => {
  let h = 2166136261
  for (const k of keys) {
    h ^= k & 0xffffffff
    h = Math.imul(h, 16777619)
    h ^= h >>> 13
    h = Math.imul(h, 0x5bd1e995)
    h ^= h >>> 15
  }
  return (h >>> 0) / 4294967296
}

const dayOfYear = (epochSeconds: number) => {
  const d = new Date(epochSeconds * 1000)
  return Math.floor((epochSeconds * 1000 - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000)
}

const homeLoadWh = (start: number, seconds: number, hour: number, seed: number) => {
  const shape = hour < 6 ? 0.35 : hour < 9 ? 0.8 : hour < 16 ? 0.55 : hour < 21 ? 1.4 : 0.6
  return Math.round((shape * 900 + 250 * noise(seed, start, 1)) * (seconds / 3600))
}

const solarWh = (start: number, seconds: number, hour: number, seed: number) => {
  if (hour < 7 || hour > 18) return 0
  const season = 0.65 + 0.35 * Math.cos(((dayOfYear(start) - 172) / 365) * 2 * Math.PI)
  const sun = Math.sin(((hour - 6.5) / 13) * Math.PI)
  return Math.round(Math.max(0, sun) * season * 4200 * (0.7 + 0.3 * noise(seed, start, 2)) * (seconds / 3600))
}

const officeLoadWh = (start: number, seconds: number, hour: number, seed: number) => {
  const open = hour >= 7 && hour < 19
  return Math.round(((open ? 9000 : 2500) + 1500 * noise(seed, start, 3)) * (seconds / 3600))
}

const days = (from: string, count: number, zone: LocalTime.Zone): ReadonlyArray<{ start: number; end: number }> => {
  const [y, m, d] = from.split("-").map(Number) as [number, number, number]
  const out: Array<{ start: number; end: number }> = []
  for (let i = 0; i < count; i++) {
    out.push({ start: localMidnight(zone, y, m, d + i), end: localMidnight(zone, y, m, d + i + 1) })
  }
  return out
}

const channel = (
  id: string,
  flow: ChannelFlow,
  intervalSeconds: number,
  dayList: ReadonlyArray<{ start: number; end: number }>,
  value: (start: number, hour: number) => number,
  hourOf: (epochSeconds: number) => number
): SandboxChannel => ({
  id,
  flow,
  intervalSeconds,
  blocks: dayList.map(({ end, start }) => {
    const readings: Array<SandboxReading> = []
    for (let t = start; t < end; t += intervalSeconds) {
      readings.push({ start: t, duration: intervalSeconds, wh: value(t, hourOf(t)) })
    }
    return { start, duration: end - start, readings }
  })
})

const sumWh = (ch: SandboxChannel | undefined, start: number, end: number) => {
  let wh = 0
  for (const b of ch?.blocks ?? []) {
    if (b.start + b.duration <= start || b.start >= end) continue
    for (const r of b.readings) if (r.start >= start && r.start < end) wh += r.wh
  }
  return wh
}

/** Monthly bills from local day 5 to day 5, with energy, customer charge and tax line items summing to the total. */
const bills = (
  usagePointId: string,
  channels: ReadonlyArray<SandboxChannel>,
  from: string,
  dayCount: number,
  zone: LocalTime.Zone,
  centsPerKWh: number
): ReadonlyArray<SandboxBill> => {
  const [y, m] = from.split("-").map(Number) as [number, number]
  const first = localMidnight(zone, y, m, 1)
  const last = localMidnight(zone, y, m, Number(from.split("-")[2]) + dayCount)
  const delivered = channels.find((c) => c.flow === "delivered")
  const received = channels.find((c) => c.flow === "received")
  const out: Array<SandboxBill> = []
  for (let i = 0;; i++) {
    const start = localMidnight(zone, y, m + i, 5)
    const end = localMidnight(zone, y, m + i + 1, 5)
    if (end > last) break
    if (start < first) continue
    const wh = sumWh(delivered, start, end) - sumWh(received, start, end)
    const kWh = wh / 1000
    const billDays = Math.round((end - start) / 86400)
    const energy = Math.round(kWh * centsPerKWh)
    const customer = billDays * 33
    const tax = Math.round((energy + customer) * 0.0275)
    const lineItems = [
      { name: "Energy Charge", cents: energy },
      { name: "Customer Charge", cents: customer },
      { name: "Utility Users' Tax", cents: tax }
    ]
    out.push({
      id: `${usagePointId}-bill-${i + 1}`,
      start,
      duration: end - start,
      statementDate: end + 3 * 86400,
      kWh,
      totalCents: energy + customer + tax,
      lineItems
    })
  }
  return out
}

/**
 * The test customer `test`: a residential net-metered home (hourly import and export, E-TOU-C) and a small office
 * (15-minute, A-10), each with monthly bills.
 */
export const generate = (options: GenerateOptions = {}): ReadonlyArray<SandboxCustomer> => {
  const from = options.from ?? "2024-01-01"
  const dayCount = options.days ?? 400
  // One zone (its Intl formatter) per call, which every reading below asks.
  const zone = LocalTime.zone(options.timeZone ?? "America/Los_Angeles")
  const seed = options.seed ?? 1
  const ids = options.ids ?? {
    nem: { usagePoint: "1000000001", account: "4400000001", meter: "1010101010" },
    commercial: { usagePoint: "1000000002", account: "4400000002", meter: "2020202020" }
  }
  const dayList = days(from, dayCount, zone)
  const hourOf = localHours(zone, dayList[0]?.start ?? 0, dayList.at(-1)?.end ?? 0)
  const nemChannels = [
    channel(`${ids.nem.usagePoint}-1`, "delivered", 3600, dayList, (t, h) => homeLoadWh(t, 3600, h, seed), hourOf),
    channel(`${ids.nem.usagePoint}-19`, "received", 3600, dayList, (t, h) => solarWh(t, 3600, h, seed), hourOf)
  ]
  const officeChannels = [
    channel(`${ids.commercial.usagePoint}-1`, "delivered", 900, dayList, (t, h) => officeLoadWh(t, 900, h, seed), hourOf)
  ]
  return [{
    username: "test",
    usagePoints: [
      {
        id: ids.nem.usagePoint,
        account: ids.nem.account,
        meter: ids.nem.meter,
        address: "123 Main St, San Francisco CA 94103",
        tariff: "E-TOU-C",
        channels: nemChannels,
        bills: bills(ids.nem.usagePoint, nemChannels, from, dayCount, zone, 38)
      },
      {
        id: ids.commercial.usagePoint,
        account: ids.commercial.account,
        meter: ids.commercial.meter,
        address: "500 Market St Ste 200, San Francisco CA 94105",
        tariff: "A-10",
        channels: officeChannels,
        bills: bills(ids.commercial.usagePoint, officeChannels, from, dayCount, zone, 24)
      }
    ]
  }]
}
