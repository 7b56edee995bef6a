/**
 * The sandbox's meter data: deterministic per ESIID and day (the same seed
 * always gives the same reads), shaped like a Texas home: a base load,
 * morning and evening peaks, summer air conditioning, and rooftop solar on
 * some meters, whose midday surplus goes to the grid as generation.
 */
import { LocalTime } from "@meterbridge/core"
import { CENTRAL, QUARTER_HOUR_MS, quarterHoursIn } from "./SmtDates.ts"
import type { Reading } from "./ReadData.ts"

export interface SandboxMeter {
  readonly esiid: string
  readonly meterNumber: string
  readonly address: string
  readonly city: string
  readonly zip: string
  readonly tdsp: string
  /** Rooftop solar: the meter also reports surplus generation (`RT` `G`). */
  readonly solar: boolean
  /** A test account: any meter number and REP are accepted, and its agreement confirms itself. */
  readonly test?: boolean
}

export interface DayReads {
  readonly date: LocalTime.LocalDate
  /** Epoch ms of local midnight. */
  readonly startMs: number
  readonly delivered: ReadonlyArray<Reading>
  /** Present for solar meters only. */
  readonly received?: ReadonlyArray<Reading>
}

export interface BillingPeriod {
  /** The meter read dates that open and close the cycle; usage runs midnight to midnight. */
  readonly startDate: LocalTime.LocalDate
  readonly endDate: LocalTime.LocalDate
  readonly kWh: number
}

export interface Window {
  readonly startMs: number
  readonly endMs: number
}

export interface QuarterHourRead extends Reading {
  readonly startMs: number
  readonly endMs: number
}


/** FNV-1a, to seed a generator from text. */
const hash = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: small, fast, and the same everywhere. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** A bump centred on `at` hours with `width` hours of spread. */
const bump = (hour: number, at: number, width: number) => Math.exp(-(((hour - at) / width) ** 2))

export interface DatasetOptions {
  readonly meters: ReadonlyArray<SandboxMeter>
  /** First and last local day with data. */
  readonly firstDate: LocalTime.LocalDate
  readonly lastDate: LocalTime.LocalDate
  /** Day of the month the meter is read for billing (cycles run read to read). */
  readonly billingReadDay?: number
}

export const makeDataset = (options: DatasetOptions) => {
  const meters = new Map(options.meters.map((m) => [m.esiid, m]))
  const cache = new Map<string, DayReads>()

  const generate = (meter: SandboxMeter, date: LocalTime.LocalDate): DayReads => {
    const rand = generator(hash(`${meter.esiid}/${date.year}-${date.month}-${date.day}`))
    const size = 0.7 + (hash(meter.esiid) % 60) / 100
    const startMs = LocalTime.startOfDay(CENTRAL, date)
    const slots = quarterHoursIn(CENTRAL, date)
    // Texas: long cooling season peaking in July/August, mild winters.
    const season = Math.cos(((date.month - 7.5) / 12) * 2 * Math.PI)
    const cooling = Math.max(0, season) * 2.2
    const heating = Math.max(0, -season) * 0.6
    const sunny = 0.55 + 0.45 * rand()
    const delivered: Array<Reading> = []
    const received: Array<Reading> = []
    for (let i = 0; i < slots; i++) {
      const at = startMs + i * QUARTER_HOUR_MS
      // Only DST days need the zone's offset per slot; asking Intl 96 times a day is slow.
      const hour = slots === 96
        ? i / 4 + 0.125
        : (((at + LocalTime.offsetMinutes(CENTRAL, at) * 60_000) % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000 + 0.125
      const loadKw = size * (
        0.35 + 0.5 * bump(hour, 7.5, 1.2) + 0.9 * bump(hour, 19, 2.5) + cooling * bump(hour, 16, 4) + heating * bump(hour, 6.5, 2)
      ) * (0.85 + 0.3 * rand())
      const solarKw = meter.solar ? 5.5 * (0.75 + 0.25 * season) * sunny * Math.max(0, Math.sin(((hour - 6.5) / 13) * Math.PI)) : 0
      const quality = rand() < 0.01 ? "estimated" : "actual"
      const netKwh = (loadKw - solarKw) * 0.25
      delivered.push({ kWh: round3(Math.max(0, netKwh)), quality })
      if (meter.solar) received.push({ kWh: round3(Math.max(0, -netKwh)), quality })
    }
    return meter.solar ? { date, startMs, delivered, received } : { date, startMs, delivered }
  }

  const inRange = (date: LocalTime.LocalDate) =>
    LocalTime.compareDates(date, options.firstDate) >= 0 && LocalTime.compareDates(date, options.lastDate) <= 0

  /** One local day of reads, or undefined outside the dataset or for an unknown ESIID. */
  const day = (esiid: string, date: LocalTime.LocalDate): DayReads | undefined => {
    const meter = meters.get(esiid)
    if (!meter || !inRange(date)) return undefined
    const key = `${esiid}/${date.year}-${date.month}-${date.day}`
    let reads = cache.get(key)
    if (!reads) {
      reads = generate(meter, date)
      cache.set(key, reads)
    }
    return reads
  }

  /** Quarter hours of one flow starting inside the UTC window. */
  const intervals = (esiid: string, window: Window, flow: "delivered" | "received"): Array<QuarterHourRead> => {
    if (window.endMs <= window.startMs) return []
    const out: Array<QuarterHourRead> = []
    for (const date of LocalTime.datesBetween(LocalTime.dateAt(CENTRAL, window.startMs), LocalTime.dateAt(CENTRAL, window.endMs - 1))) {
      const reads = day(esiid, date)
      const list = reads?.[flow]
      if (!reads || !list) continue
      list.forEach((r, i) => {
        const startMs = reads.startMs + i * QUARTER_HOUR_MS
        if (startMs >= window.startMs && startMs < window.endMs) out.push({ ...r, startMs, endMs: startMs + QUARTER_HOUR_MS })
      })
    }
    return out
  }

  /** Billing cycles inside the dataset, read to read on `billingReadDay`. */
  const bills = (esiid: string): Array<BillingPeriod> => {
    if (!meters.has(esiid)) return []
    const readDay = options.billingReadDay ?? 14
    const reads: Array<LocalTime.LocalDate> = []
    for (let d = options.firstDate; LocalTime.compareDates(d, options.lastDate) <= 0; d = LocalTime.nextDate(d)) {
      if (d.day === readDay) reads.push(d)
    }
    const out: Array<BillingPeriod> = []
    for (let i = 0; i + 1 < reads.length; i++) {
      const startDate = reads[i]!, endDate = reads[i + 1]!
      const kWh = intervals(esiid, { startMs: LocalTime.startOfDay(CENTRAL, startDate), endMs: LocalTime.startOfDay(CENTRAL, endDate) }, "delivered")
        .reduce((s, r) => s + r.kWh, 0)
      out.push({ startDate, endDate, kWh: round3(kWh) })
    }
    return out
  }

  return {
    meters: options.meters,
    meter: (esiid: string) => meters.get(esiid),
    firstDate: options.firstDate,
    lastDate: options.lastDate,
    day,
    intervals,
    bills
  }
}

export type Dataset = ReturnType<typeof makeDataset>
