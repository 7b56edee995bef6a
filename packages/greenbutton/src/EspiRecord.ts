/**
 * The records `parseEspi` yields, in document order (readings may be held back until their ReadingType is known).
 * Instants are epoch SECONDS (UTC) as ESPI writes them; convert with `Timestamp` when entering the domain.
 */

/** ESPI ServiceCategory kind, by code: 0 electricity, 1 gas, 2 water, 3 time, 4 heat, 5 refuse, 6 sewerage, 7 rates, 8 tvLicence, 9 internet. */
export type ServiceKind =
  | "electricity" | "gas" | "water" | "time" | "heat" | "refuse" | "sewerage" | "rates" | "tvLicence" | "internet" | "unknown"

/** ESPI flowDirection 1 = delivered (import from grid), 19 = received (export to grid), 4 = net; anything else is read as delivered. */
export type Flow = "delivered" | "received" | "net"

/** Scaled units: kWh, kW, kVArh, kVAh, kVA, kVAr, therm, m3, ft3, gal, BTU, V, A, unitless; `uom:<code>` when the code is unknown. */
export type Unit = string

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
  /** ESPI flowDirection code as written (absent → delivered). */
  readonly flowDirection?: number
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
  /** Currency units per unit of `measurement`. */
  readonly unitCost?: number
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
  /** ESPI qualityOfReading code as written (17 in PG&E's feed, 14 in the GBA samples). */
  readonly quality?: string
  /** The rate the bill was computed on, as the utility names it (ESPI tariffProfile, e.g. PG&E's `HAG5A`). */
  readonly tariff?: string
  readonly lineItems: ReadonlyArray<LineItem>
}

export interface Issue {
  readonly _tag: "Issue"
  /**
   * gap: no reading covers [start, end). duplicate: a reading repeated with the same value (dropped).
   * conflict: a repeated start with a different value (the first one kept). unlinked: an IntervalBlock whose
   * ReadingType had to be guessed. missingReadingType: no ReadingType at all, Wh assumed. unknownUom: a uom code
   * with no known unit (values kept unscaled by unit), or no uom at all (read as Wh).
   */
  readonly kind: "gap" | "duplicate" | "conflict" | "unlinked" | "missingReadingType" | "unknownUom"
  readonly usagePointId?: string
  readonly readingTypeId?: string
  readonly start?: number
  readonly end?: number
  readonly message: string
}

export type EspiRecord = UsagePoint | ReadingType | LocalTime | Reading | UsageSummary | Issue
