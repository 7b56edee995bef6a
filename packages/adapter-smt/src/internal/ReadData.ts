/**
 * SMT's 15-minute `energyData`: one entry per local day and channel, whose
 * `RD` string lists `value-flag` readings from local midnight on. SMT pads
 * the list to 100 slots with empty entries (the reserved second 01:00 hour),
 * so empties are dropped first; what is left is 96 readings, or 92/100 on
 * DST days, and reading i starts i quarter hours after local midnight.
 */
import { LocalTime } from "@meterbridge/core"
import type { Interval } from "@meterbridge/core"
import { parseSmtDate, QUARTER_HOUR_MS, quarterHoursIn } from "./SmtDates.ts"

type Flow = Interval.Flow
type Quality = Interval.Quality

/** A reply SMT sent that this adapter cannot read (a `ProtocolError`). */
export class SmtWireError extends Error {
  override readonly name = "SmtWireError"
}

export interface Reading {
  readonly kWh: number
  readonly quality: Quality
}

export interface QuarterHour extends Reading {
  /** Epoch milliseconds, UTC. */
  readonly startMs: number
  readonly endMs: number
  readonly flow: Flow
}

/** The quality SMT's flag letter stands for. */
export const qualityOf = (flag: string): Quality | undefined =>
  flag === "A" ? "actual" : flag === "E" ? "estimated" : undefined

const ENTRY = /^(-?(?:\d+\.?\d*|\.\d+))-([A-Za-z])$/

/** The readings of one `RD` string, in order, stray empty entries skipped. */
export const parseRd = (rd: string): Array<Reading> => {
  const out: Array<Reading> = []
  for (const raw of rd.split(",")) {
    const entry = raw.trim()
    if (entry === "") continue
    const m = ENTRY.exec(entry)
    if (!m) throw new SmtWireError(`SMT sent an unreadable interval reading "${entry}" (expected "kWh-flag", e.g. "0.123-A")`)
    const quality = qualityOf(m[2]!.toUpperCase())
    if (!quality) throw new SmtWireError(`SMT sent an unknown reading flag "${m[2]}" in "${entry}" (expected A or E)`)
    out.push({ kWh: Number(m[1]), quality })
  }
  return out
}

/** `RT`: `C` consumption (grid to customer), `G` surplus generation (customer to grid). */
export const flowOf = (rt: string): Flow | undefined => (rt === "C" ? "delivered" : rt === "G" ? "received" : undefined)

export interface EnergyDataEntry {
  readonly DT: string
  readonly RT: string
  readonly RD: string
  readonly RevTS?: string
}

/** One day's readings placed on UTC quarter hours, using the local day of `DT` in `zone`. */
export const quarterHoursOfDay = (entry: EnergyDataEntry, zone: LocalTime.Zone): Array<QuarterHour> => {
  if (typeof entry?.DT !== "string" || typeof entry.RT !== "string" || typeof entry.RD !== "string") {
    throw new SmtWireError("SMT sent an energyData entry without DT, RT and RD strings")
  }
  const date: LocalTime.LocalDate | undefined = parseSmtDate(entry.DT)
  if (!date) throw new SmtWireError(`SMT sent an unreadable date DT "${entry.DT}" (expected MM/DD/YYYY)`)
  const flow = flowOf(entry.RT)
  if (!flow) throw new SmtWireError(`SMT sent an unknown reading type RT "${entry.RT}" (expected C or G)`)
  const readings = parseRd(entry.RD)
  const slots = quarterHoursIn(zone, date)
  // Fewer readings than slots is a day SMT has not finished (today); more cannot be placed.
  if (readings.length > slots) {
    throw new SmtWireError(
      `SMT sent ${readings.length} readings for ${entry.DT}, which has only ${slots} quarter hours in ${zone.name}`
    )
  }
  const midnight = LocalTime.startOfDay(zone, date)
  return readings.map((r, i) => ({
    startMs: midnight + i * QUARTER_HOUR_MS,
    endMs: midnight + (i + 1) * QUARTER_HOUR_MS,
    kWh: r.kWh,
    quality: r.quality,
    flow
  }))
}
