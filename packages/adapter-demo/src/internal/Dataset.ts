/**
 * The DEMO utility's data: a pure function of time, so every run, test and
 * sandbox serves the same figures without storing anything. Bills are built
 * from the very intervals the sandbox serves, in integer watt-hours and
 * cents, so line items add up to the bill exactly.
 */
import { LocalTime, type Service } from "@meterbridge/core"

/** The DEMO utility's zone (its `info.timeZone`): bills run from local midnight, usage follows the local clock. */
export const ZONE: LocalTime.Zone = LocalTime.zone("America/Los_Angeles")

const localParts = (epochSeconds: number): LocalTime.WallClock => LocalTime.wallClock(ZONE, epochSeconds * 1000)

/** The epoch second of local midnight starting the given calendar day (days and months past their end roll over). */
export const localMidnight = (year: number, month: number, day: number): number =>
  LocalTime.startOfDay(ZONE, { year, month, day }) / 1000

export const SLOT_SECONDS = 900
const DAY = 86_400

export interface DemoService extends Service.ServiceDetails {
  readonly kind: "residential" | "commercial"
  readonly seed: number
}

export const services: ReadonlyArray<DemoService> = [
  {
    kind: "residential",
    seed: 17,
    utility_service_id: "1234567890",
    utility_tariff_name: "E1 XB Residential Service",
    utility_service_address: "123 Main St #100, Anytown, CA 94612",
    utility_billing_account: "9876543210-5",
    utility_billing_contact: "DOE,JOHN",
    utility_billing_address: "123 Main St #100, Anytown, CA 94612",
    utility_meter_number: "A987654321"
  },
  {
    kind: "commercial",
    seed: 29,
    utility_service_id: "2345678901",
    utility_tariff_name: "A6-TOU Small General Time-of-Use",
    utility_service_address: "500 Market St, Anytown, CA 94612",
    utility_billing_account: "9876543210-5",
    utility_billing_contact: "DOE,JOHN",
    utility_billing_address: "123 Main St #100, Anytown, CA 94612",
    utility_meter_number: "B123456789"
  }
]

/** A deterministic number in [0, 1) for (seed, n): a small integer hash, so no state is kept. */
const noise = (seed: number, n: number): number => {
  let x = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(n, 0x85ebca77)) >>> 0
  x ^= x >>> 15
  x = Math.imul(x, 0x2c1b3c6d)
  x ^= x >>> 12
  x = Math.imul(x, 0x297a2d39)
  x ^= x >>> 15
  return (x >>> 0) / 4_294_967_296
}

const bell = (h: number, center: number, width: number) => Math.exp(-(((h - center) / width) ** 2))
const isSummer = (month: number) => month >= 5 && month <= 10

/** Watt-hours used in the 15-minute slot starting at `start` (epoch seconds). Integers, as meters report. */
export const slotWh = (service: DemoService, start: number): number => whAt(service, start, localParts(start))

const whAt = (service: DemoService, start: number, p: LocalTime.WallClock): number => {
  const h = p.hour + ((start % 3600) / 60 + 7.5) / 60
  const summer = isSummer(p.month)
  const heat = p.month === 12 || p.month <= 2
  const jitter = 0.85 + 0.3 * noise(service.seed, start / SLOT_SECONDS)
  let kw: number
  if (service.kind === "residential") {
    kw = 0.35 + 1.1 * bell(h, 7.5, 1.2) + 2.2 * bell(h, 19.5, 2.2)
    if (summer) kw += 2.4 * bell(h, 16.5, 3) * (p.month >= 7 && p.month <= 9 ? 1.3 : 0.8)
    if (heat) kw += 0.9 * bell(h, 20, 3)
  } else {
    const weekday = p.weekday >= 1 && p.weekday <= 5
    kw = weekday ? 9 + 26 * (h >= 7 && h < 19 ? 1 : 0) * (0.8 + 0.2 * bell(h, 13, 4)) : 11
    if (summer && weekday) kw += 14 * bell(h, 15, 3)
  }
  return Math.round(kw * jitter * 250) // kW over a quarter hour → Wh
}

export interface Reading {
  readonly start: number
  readonly wh: number
}

/** Readings whose slot starts in [from, to), aligned to 15 minutes. */
export function* readings(service: DemoService, from: number, to: number): Generator<Reading> {
  for (const s of slots(from, to)) yield { start: s.start, wh: whAt(service, s.start, s.local) }
}

/** The 15-minute slots starting in [from, to) with their local wall clock, asking Intl only where the offset changes. */
function* slots(from: number, to: number): Generator<{ readonly start: number; readonly local: LocalTime.WallClock }> {
  let t = Math.ceil(from / SLOT_SECONDS) * SLOT_SECONDS
  for (const span of LocalTime.offsetSpans(ZONE, t * 1000, to * 1000)) {
    for (; t * 1000 < span.endMs; t += SLOT_SECONDS) yield { start: t, local: LocalTime.atOffset(t * 1000, span.offsetMinutes) }
  }
}

export interface DemoLineItem {
  readonly name: string
  readonly cost: number
  readonly rate: number | null
  readonly volume: number | null
  readonly unit: string | null
}

export interface DemoBill {
  /** Epoch seconds; the period is [start, end): end is the next period's start. */
  readonly start: number
  readonly end: number
  readonly statementDate: number
  readonly totalKWh: number
  readonly total: number
  readonly lineItems: ReadonlyArray<DemoLineItem>
  readonly tiers?: Readonly<Record<string, number>>
  readonly timeOfUse?: Readonly<Record<string, number>>
}

/** Billing periods run from local midnight on the 7th to local midnight on the next month's 7th. */
export const periodStart = (year: number, month: number) => localMidnight(year, month, 7)

const cents = (kwh: number, rate: number) => Math.round(kwh * rate * 100)

const TIER_RATES = [0.1617, 0.18491, 0.27322, 0.33322] as const

const residentialCharges = (start: number, end: number, totalWh: number) => {
  const days = Math.round((end - start) / DAY)
  const allowance = isSummer(localParts(start).month) ? 8.5 : 10.5
  const baselineWh = Math.round(allowance * days * 1000)
  // Tier 1 up to 100 % of baseline, tier 2 to 130 %, tier 3 to 200 %, tier 4 above.
  const bounds = [baselineWh, Math.round(baselineWh * 1.3), baselineWh * 2, Infinity]
  const items: Array<DemoLineItem> = []
  const tiers: Record<string, number> = {}
  let below = 0
  for (const [i, bound] of bounds.entries()) {
    const wh = Math.max(0, Math.min(totalWh, bound) - below)
    below = Math.min(totalWh, bound)
    const kwh = wh / 1000
    const c = cents(kwh, TIER_RATES[i]!)
    items.push({ name: `Tier ${i + 1} Usage`, cost: c / 100, rate: TIER_RATES[i]!, volume: kwh, unit: "kWh" })
    tiers[`Tier ${i + 1} ($)`] = c / 100
    tiers[`Tier ${i + 1} (kWh)`] = kwh
  }
  items.push({ name: "Energy Commission Tax", cost: Math.max(1, Math.round(totalWh * 0.00003)) / 100, rate: null, volume: null, unit: null })
  return { items, tiers }
}

type TouPeriod = "Peak" | "Part-Peak" | "Off-Peak"
const touPeriod = (start: number, p: LocalTime.WallClock): TouPeriod => {
  const h = p.hour + (start % 3600) / 3600
  if (p.weekday === 0 || p.weekday === 6) return "Off-Peak"
  if (isSummer(p.month)) {
    if (h >= 12 && h < 18) return "Peak"
    if ((h >= 8.5 && h < 12) || (h >= 18 && h < 21.5)) return "Part-Peak"
    return "Off-Peak"
  }
  return h >= 8.5 && h < 21.5 ? "Part-Peak" : "Off-Peak"
}
const TOU_RATES: Record<"summer" | "winter", Record<TouPeriod, number>> = {
  summer: { "Peak": 0.45127, "Part-Peak": 0.28374, "Off-Peak": 0.20125 },
  winter: { "Peak": 0.24911, "Part-Peak": 0.24911, "Off-Peak": 0.19304 }
}
const CUSTOMER_CHARGE_PER_DAY = 0.32854

const commercialCharges = (service: DemoService, start: number, end: number) => {
  const season = isSummer(localParts(start).month) ? "summer" : "winter"
  const byPeriod: Record<TouPeriod, number> = { "Peak": 0, "Part-Peak": 0, "Off-Peak": 0 }
  for (const s of slots(start, end)) byPeriod[touPeriod(s.start, s.local)] += whAt(service, s.start, s.local)
  const items: Array<DemoLineItem> = []
  const timeOfUse: Record<string, number> = {}
  for (const period of ["Peak", "Part-Peak", "Off-Peak"] as const) {
    if (byPeriod[period] === 0) continue
    const kwh = byPeriod[period] / 1000
    const rate = TOU_RATES[season][period]
    const c = cents(kwh, rate)
    items.push({ name: `${period} Energy`, cost: c / 100, rate, volume: kwh, unit: "kWh" })
    timeOfUse[`${period} ($)`] = c / 100
    timeOfUse[`${period} (kWh)`] = kwh
  }
  const days = Math.round((end - start) / DAY)
  items.push({
    name: "Customer Charge",
    cost: cents(days, CUSTOMER_CHARGE_PER_DAY) / 100,
    rate: CUSTOMER_CHARGE_PER_DAY,
    volume: days,
    unit: "day"
  })
  return { items, timeOfUse }
}

export const bill = (service: DemoService, start: number, end: number): DemoBill => {
  let totalWh = 0
  for (const r of readings(service, start, end)) totalWh += r.wh
  const charges = service.kind === "residential"
    ? residentialCharges(start, end, totalWh)
    : commercialCharges(service, start, end)
  const totalCents = charges.items.reduce((sum, i) => sum + Math.round(i.cost * 100), 0)
  const p = localParts(end)
  return {
    start,
    end,
    statementDate: localMidnight(p.year, p.month, p.day + 1),
    totalKWh: totalWh / 1000,
    total: totalCents / 100,
    lineItems: charges.items,
    ...("tiers" in charges ? { tiers: charges.tiers } : { timeOfUse: charges.timeOfUse })
  }
}

/** Bills whose period overlaps [from, to) and has ended by `now`. */
export const bills = (service: DemoService, from: number, to: number, now: number): Array<DemoBill> => {
  const out: Array<DemoBill> = []
  const first = localParts(from)
  // Start a month early: the period containing `from` may have begun the month before.
  for (let index = first.year * 12 + first.month - 2;; index++) {
    const start = periodStart(Math.floor(index / 12), (index % 12) + 1)
    const end = periodStart(Math.floor((index + 1) / 12), ((index + 1) % 12) + 1)
    if (start >= to || end > now) break
    if (end > from) out.push(bill(service, start, end))
  }
  return out
}
