/**
 * The records `parseEspi` yields, in document order (readings may be held back until their ReadingType is known).
 * Instants are epoch SECONDS (UTC) as ESPI writes them; convert with `Timestamp` when entering the domain.
 */

export type ServiceKind = "electricity" | "gas" | "water" | "pressure" | "heat" | "cold" | "communication" | "time" | "unknown"

/** ESPI flowDirection 1 = delivered (import from grid), 19 = received (export to grid), 4 = net. */
export type Flow = "delivered" | "received" | "net" | "total"

export type Unit = "kWh" | "kW" | "therm" | "m3" | "ft3" | "gal" | "L" | "V" | "A" | "VArh" | "VAh" | "W" | "unitless" | string

export interface UsagePoint {
  readonly _tag: "UsagePoint"
  readonly id: string
  readonly kind: ServiceKind
  readonly title?: string
  readonly selfHref?: string
}

export interface ReadingType {
  readonly _tag: "ReadingType"
  readonly id: string
  readonly usagePointId?: string
  /** The unit values are reported in after scaling (Wh → kWh, therm stays therm). */
  readonly unit: Unit
  /** ESPI uom code as written. */
  readonly uom: number
  readonly powerOfTenMultiplier: number
  readonly flow: Flow
  readonly intervalLength?: number
  readonly commodity?: number
  readonly accumulationBehaviour?: number
  readonly kind?: number
  /** ISO 4217 numeric code (840 = USD). */
  readonly currency?: number
}

export interface LocalTime {
  readonly _tag: "LocalTime"
  readonly id?: string
  /** Seconds east of UTC (−28800 for Pacific standard time). */
  readonly tzOffset: number
  /** Seconds added during daylight saving time. */
  readonly dstOffset: number
  /** ESPI packed DST rule, hex as written (e.g. "360E2000"). */
  readonly dstStartRule: string
  readonly dstEndRule: string
}

export interface Reading {
  readonly _tag: "Reading"
  readonly usagePointId: string
  readonly readingTypeId: string
  /** Epoch seconds, UTC. */
  readonly start: number
  /** Seconds. */
  readonly duration: number
  /** Scaled value in `unit`. */
  readonly value: number
  readonly unit: Unit
  readonly flow: Flow
  /** ESPI ReadingQuality code(s) as written, comma-joined when several. */
  readonly quality?: string
  /** Currency units (cost / 100000). */
  readonly cost?: number
}

export interface LineItem {
  readonly name: string
  /** Currency units. */
  readonly amount: number
  readonly start?: number
  readonly duration?: number
  readonly itemKind?: number
  readonly measurement?: { readonly value: number; readonly unit: Unit }
}

export interface UsageSummary {
  readonly _tag: "UsageSummary"
  readonly id?: string
  readonly usagePointId: string
  /** Billing period start, epoch seconds UTC. */
  readonly start: number
  readonly duration: number
  /** Currency units, null when absent. */
  readonly billLastPeriod: number | null
  /** In `unit`, null when absent. */
  readonly overallConsumption: number | null
  readonly unit: Unit
  readonly currency?: number
  readonly statementDate?: number
  readonly lineItems: ReadonlyArray<LineItem>
}

export interface Issue {
  readonly _tag: "Issue"
  readonly kind: "gap" | "duplicate" | "conflict" | "orphanReading" | "unknownUom" | "malformed"
  readonly usagePointId?: string
  readonly readingTypeId?: string
  readonly start?: number
  readonly end?: number
  readonly message: string
}

export type EspiRecord = UsagePoint | ReadingType | LocalTime | Reading | UsageSummary | Issue
