/**
 * Green Button records as Meterbridge API rows: intervals and bills, with the API's timestamp shape
 * (`2015-08-13T07:00:00.000000+00:00`). Kept apart from the parser so `summarize` never loads `@meterbridge/core`.
 */
import { Bill, type Collector, Timestamp } from "@meterbridge/core"
import { Schema, Struct } from "effect"
import type { Reading, UsageSummary } from "./EspiRecord.ts"
import type { BillingPeriod } from "./GreenButtonBills.ts"

const iso = (epoch: number): string => Timestamp.format(Timestamp.fromSeconds(epoch))

export const toInterval = (r: Reading) => ({
  utility_service_id: r.usagePointId,
  flow: r.flow,
  interval_start: iso(r.start),
  interval_end: iso(r.start + r.duration),
  interval_kWh: r.unit === "kWh" ? r.value : null,
  value: r.value,
  unit: r.unit,
  cost: r.cost ?? null,
  quality: r.quality ?? null
})

export const intervalColumns = Object.keys(
  toInterval({ _tag: "Reading", usagePointId: "", readingTypeId: "", start: 0, duration: 0, value: 0, unit: "", flow: "delivered" })
)

/**
 * The API's Bill without `service_uid` (a file names no Meterbridge service), and with `utility` null when neither the
 * file nor `--utility` says which utility billed.
 */
export const FileBill = Bill.Bill.mapFields((f) => ({
  utility: Schema.NullOr(Schema.String),
  ...Struct.omit(f, ["service_uid", "utility"])
}))
export type FileBill = typeof FileBill.Type

export const billColumns: ReadonlyArray<string> = Bill.csvColumns.filter((c) => c !== "service_uid")

export interface BillContext {
  readonly utility: string | null
  /** Where the bill came from (the file name). */
  readonly source: string | null
  /** When it was read, epoch seconds. */
  readonly updated: number
}

/**
 * One UsageSummary as the bill a collector returns (core's `CollectedBill`): the one mapping from ESPI's
 * billing fields to Meterbridge's, used by file conversion and by uploads.
 */
export const collectedBill = (s: UsageSummary, source: string | null): Collector.CollectedBill => {
  const end = s.start + s.duration
  return {
    utility_service_id: s.usagePointId,
    utility_tariff_name: s.tariff ?? null,
    utility_service_address: null,
    utility_meter_number: null,
    bill_start_date: Timestamp.fromSeconds(s.start),
    bill_end_date: Timestamp.fromSeconds(end),
    bill_statement_date: s.statementDate === undefined ? null : Timestamp.fromSeconds(s.statementDate),
    bill_total_kWh: s.unit === "kWh" ? s.overallConsumption : null,
    bill_total: s.billLastPeriod,
    bill_breakdown: {
      line_items: s.lineItems.map((l) => ({
        name: l.name,
        cost: l.amount,
        rate: l.unitCost ?? null,
        volume: l.measurement?.value ?? null,
        unit: l.measurement?.unit ?? null,
        start: Timestamp.fromSeconds(l.start ?? s.start),
        end: Timestamp.fromSeconds(l.start !== undefined && l.duration !== undefined ? l.start + l.duration : end)
      }))
    },
    source
  }
}

const encodeBill = Schema.encodeSync(FileBill)

/** One billing period as the API's Bill, encoded (timestamps as strings) through core's Bill schema. */
export const toBill = ({ summary: s }: BillingPeriod, ctx: BillContext): typeof FileBill.Encoded => {
  const { utility_service_address, utility_meter_number, ...bill } = collectedBill(s, ctx.source)
  return encodeBill({
    ...bill,
    utility: ctx.utility,
    utility_service_address,
    utility_meter_number,
    bill_bill_days: Math.round(s.duration / 86400),
    updated: Timestamp.fromSeconds(ctx.updated)
  })
}
