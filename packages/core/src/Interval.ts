import { Schema } from "effect"
import { Timestamp } from "./Timestamp.ts"

/**
 * Which way energy flowed. The API's intervals list serves `delivered`
 * (grid to customer) unless asked; net-metered exports are kept apart as
 * `received` so one never overwrites the other.
 */
export const Flow = Schema.Literals(["delivered", "received", "net"])
export type Flow = typeof Flow.Type

export const Quality = Schema.Literals(["actual", "estimated", "questionable", "edited", "derived"])
export type Quality = typeof Quality.Type

/** The API's Interval object. */
export const Interval = Schema.Struct({
  service_uid: Schema.String,
  utility: Schema.String,
  utility_service_id: Schema.NullOr(Schema.String),
  utility_tariff_name: Schema.NullOr(Schema.String),
  utility_service_address: Schema.NullOr(Schema.String),
  utility_meter_number: Schema.NullOr(Schema.String),
  interval_start: Timestamp,
  interval_end: Timestamp,
  interval_kWh: Schema.NullOr(Schema.Number),
  interval_kW: Schema.NullOr(Schema.Number),
  source: Schema.NullOr(Schema.String),
  updated: Timestamp
})
export type Interval = typeof Interval.Type

export const csvColumns = [
  "service_uid", "utility", "utility_service_id", "utility_tariff_name", "utility_service_address",
  "utility_meter_number", "interval_start", "interval_end", "interval_kWh", "interval_kW", "source", "updated"
] as const
