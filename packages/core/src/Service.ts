import { Schema } from "effect"
import { AuthType } from "./Account.ts"
import { Log } from "./Log.ts"
import { Timestamp } from "./Timestamp.ts"

/** `[start, end]` pairs of contiguous coverage. */
export const Coverage = Schema.Array(Schema.Tuple([Timestamp, Timestamp]))
export type Coverage = typeof Coverage.Type

/** What a utility tells us about one service (meter) of an account. */
export const ServiceDetails = Schema.Struct({
  utility_service_id: Schema.String,
  utility_tariff_name: Schema.NullOr(Schema.String),
  utility_service_address: Schema.NullOr(Schema.String),
  utility_billing_account: Schema.NullOr(Schema.String),
  utility_billing_contact: Schema.NullOr(Schema.String),
  utility_billing_address: Schema.NullOr(Schema.String),
  utility_meter_number: Schema.NullOr(Schema.String)
})
export type ServiceDetails = typeof ServiceDetails.Type

/** The API's Service object. `latest` is left out of CSV, and so are the coverage arrays. */
export const Service = Schema.Struct({
  uid: Schema.String,
  user_uid: Schema.String,
  account_uid: Schema.String,
  account_auth_type: AuthType,
  account_auth: Schema.String,
  utility: Schema.String,
  created: Timestamp,
  active_until: Schema.NullOr(Timestamp),
  latest: Schema.optionalKey(Log),
  ...ServiceDetails.fields,
  bill_coverage: Coverage,
  bill_count: Schema.Int,
  interval_coverage: Coverage,
  interval_count: Schema.Int
})
export type Service = typeof Service.Type

export const csvColumns = [
  "uid", "user_uid", "account_uid", "account_auth_type", "account_auth", "utility", "created", "active_until",
  "utility_service_id", "utility_tariff_name", "utility_service_address", "utility_billing_account",
  "utility_billing_contact", "utility_billing_address", "utility_meter_number", "bill_count", "interval_count"
] as const
