import { Schema } from "effect"
import { Timestamp } from "./Timestamp.ts"

export const LineItem = Schema.Struct({
  name: Schema.String,
  cost: Schema.Number,
  rate: Schema.NullOr(Schema.Number),
  volume: Schema.NullOr(Schema.Number),
  unit: Schema.NullOr(Schema.String),
  start: Timestamp,
  end: Timestamp
})
export type LineItem = typeof LineItem.Type

/** Free-form per the reference; Meterbridge always fills `line_items`, and `tiers` where the tariff has them. */
export const BillBreakdown = Schema.Struct({
  line_items: Schema.Array(LineItem),
  tiers: Schema.optionalKey(Schema.Record(Schema.String, Schema.Number)),
  time_of_use: Schema.optionalKey(Schema.Record(Schema.String, Schema.Number))
})
export type BillBreakdown = typeof BillBreakdown.Type

/** The per-bill provenance a utility reports; it may differ from the service's current values. */
export const BillProvenance = Schema.Struct({
  utility_service_id: Schema.NullOr(Schema.String),
  utility_tariff_name: Schema.NullOr(Schema.String),
  utility_service_address: Schema.NullOr(Schema.String),
  utility_meter_number: Schema.NullOr(Schema.String)
})

/** The API's Bill object. `bill_breakdown` is left out of CSV. */
export const Bill = Schema.Struct({
  service_uid: Schema.String,
  utility: Schema.String,
  ...BillProvenance.fields,
  bill_start_date: Timestamp,
  bill_end_date: Timestamp,
  bill_bill_days: Schema.Int,
  bill_statement_date: Schema.NullOr(Timestamp),
  bill_total_kWh: Schema.NullOr(Schema.Number),
  bill_total: Schema.NullOr(Schema.Number),
  bill_breakdown: Schema.NullOr(BillBreakdown),
  source: Schema.NullOr(Schema.String),
  updated: Timestamp
})
export type Bill = typeof Bill.Type

export const csvColumns = [
  "service_uid", "utility", "utility_service_id", "utility_tariff_name", "utility_service_address",
  "utility_meter_number", "bill_start_date", "bill_end_date", "bill_bill_days", "bill_statement_date",
  "bill_total_kWh", "bill_total", "source", "updated"
] as const
