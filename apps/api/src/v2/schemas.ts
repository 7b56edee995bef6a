/**
 * The v2 objects as Effect Schemas: the encoders in `encode.ts` return these
 * types (the compiler holds them to it) and `/api/openapi.json` is generated
 * from them, so the reference cannot drift from what the API writes.
 * Timestamps are the API's text (`2024-01-01T00:00:00.000000+00:00`).
 */
import { Schema } from "effect"

const Ts = Schema.String.annotate({ description: "ISO 8601 timestamp with microseconds and offset", format: "date-time" })
const Uid = Schema.String
const NullableString = Schema.NullOr(Schema.String)

const Note = Schema.Struct({ type: Schema.String, msg: Schema.String, ts: Schema.NullOr(Ts) })
const Export = Schema.Struct({ name: Schema.String, link: Schema.String })
/** v2's status vocabulary; clients accept unknown values. */
const Status = Schema.Literals(["pending", "updated", "errored"])

export const Template = Schema.Struct({
  uid: Uid,
  created: Schema.NullOr(Ts),
  updated: Schema.NullOr(Ts),
  user_email: Schema.String,
  user_uid: Uid,
  disabled: Schema.Boolean,
  company_name: Schema.String,
  company_logo: NullableString,
  company_email: NullableString,
  description: NullableString,
  redirect_uris: Schema.Array(Schema.String),
  base_url: Schema.String
}).annotate({ identifier: "Template", description: "What the hosted authorization form shows: who asks, and where the customer goes after." })
export type Template = typeof Template.Type

export const Form = Schema.Struct({
  uid: Uid,
  created: Schema.NullOr(Ts),
  updated: Schema.NullOr(Ts),
  template_uid: Schema.NullOr(Uid),
  authorization_uid: Schema.NullOr(Uid),
  is_archived: Schema.Boolean,
  disabled: Schema.Boolean,
  user_email: Schema.String,
  user_uid: Uid,
  url: Schema.String,
  customer_email: NullableString,
  utility: NullableString,
  scope: Schema.Struct({ expires: Schema.String })
}).annotate({ identifier: "Form", description: "A link to the hosted authorization form for one customer." })
export type Form = typeof Form.Type

export const Authorization = Schema.Struct({
  uid: Uid,
  created: Schema.NullOr(Ts),
  customer_email: NullableString,
  customer_signature: Schema.NullOr(Schema.Struct({ type: Schema.String, ts: Schema.NullOr(Ts), full_name: Schema.String })),
  declined: Schema.NullOr(Ts),
  is_declined: Schema.Boolean,
  expires: Schema.String.annotate({ description: "A timestamp, or `until_revoked`" }),
  is_expired: Schema.Boolean,
  exports: Schema.Struct({ meters_csv: Schema.String }),
  exports_list: Schema.Array(Export),
  form_uid: Schema.NullOr(Uid),
  template_uid: Schema.NullOr(Uid),
  referrals: Schema.Array(Schema.String),
  is_archived: Schema.Boolean,
  is_test: Schema.Boolean,
  notes: Schema.Array(Note),
  nickname: NullableString,
  revoked: Schema.NullOr(Ts),
  is_revoked: Schema.Boolean,
  scope: Schema.Struct({ expires: Schema.String }),
  status: Status,
  status_message: Schema.String,
  status_ts: Schema.NullOr(Ts),
  user_email: Schema.String,
  user_uid: Uid,
  user_status: Schema.String,
  utility: Schema.String,
  authorization_url: Schema.optionalKey(Schema.String.annotate({ description: "Meterbridge: where the customer approves access while that is pending" }))
}).annotate({ identifier: "Authorization", description: "What a customer authorized (v1's Account)." })
export type Authorization = typeof Authorization.Type

/** The `base` block meters and bills carry. */
export const MeterBase = Schema.Struct({
  service_identifier: Schema.String,
  service_tariff: NullableString,
  service_class: Schema.String,
  service_address: NullableString,
  meter_numbers: Schema.Array(Schema.String),
  billing_contact: NullableString,
  billing_address: NullableString,
  billing_account: NullableString
}).annotate({ identifier: "MeterBase" })

export const Meter = Schema.Struct({
  uid: Uid,
  authorization_uid: Uid,
  created: Schema.NullOr(Ts),
  user_email: Schema.String,
  user_uid: Uid,
  is_archived: Schema.Boolean,
  is_activated: Schema.Boolean,
  is_expanded: Schema.Boolean,
  notes: Schema.Array(Note),
  status: Status,
  status_message: Schema.String,
  status_ts: Schema.NullOr(Ts),
  ongoing_monitoring: Schema.Struct({
    frequency: Schema.Literals(["off", "daily", "weekly", "monthly"]),
    prepay: Schema.Null,
    next_prepay: Schema.Null,
    next_refresh: Schema.NullOr(Ts),
    fixed_refresh_day: Schema.Null
  }),
  utility: Schema.String,
  bill_count: Schema.Number,
  bill_coverage: Schema.Array(Schema.Array(Ts)),
  bill_sources: Schema.Array(Schema.String),
  interval_count: Schema.Number,
  interval_coverage: Schema.Array(Schema.Array(Ts)),
  interval_sources: Schema.Array(Schema.String),
  exports: Schema.Struct({ bills_csv: Schema.String, intervals_csv: Schema.String }),
  exports_list: Schema.Array(Export),
  blocks: Schema.Array(Schema.String),
  base: MeterBase
}).annotate({ identifier: "Meter", description: "One meter (v1's Service)." })
export type Meter = typeof Meter.Type

export const LineItem = Schema.Struct({
  name: Schema.String,
  cost: Schema.Number,
  volume: Schema.NullOr(Schema.Number),
  rate: Schema.NullOr(Schema.Number),
  unit: NullableString,
  start: Ts,
  end: Ts,
  kind: Schema.String
}).annotate({ identifier: "LineItem" })

export const Bill = Schema.Struct({
  uid: Uid,
  meter_uid: Uid,
  authorization_uid: Uid,
  created: Schema.NullOr(Ts),
  updated: Schema.NullOr(Ts),
  notes: Schema.Array(Note),
  utility: Schema.String,
  blocks: Schema.Array(Schema.String),
  base: Schema.Struct({
    ...MeterBase.fields,
    bill_start_date: Ts,
    bill_end_date: Ts,
    bill_statement_date: Schema.NullOr(Ts),
    bill_total_cost: Schema.NullOr(Schema.Number),
    bill_total_volume: Schema.NullOr(Schema.Number),
    bill_total_unit: Schema.String,
    bill_total_kwh: Schema.NullOr(Schema.Number)
  }),
  line_items: Schema.Array(LineItem),
  tiers: Schema.optionalKey(Schema.Array(Schema.Struct({
    name: Schema.String,
    level: Schema.Number,
    cost: Schema.NullOr(Schema.Number),
    volume: Schema.Number,
    unit: Schema.String
  })))
}).annotate({ identifier: "V2Bill", description: "One bill with UtilityAPI's blocks." })
export type Bill = typeof Bill.Type

export const Datapoint = Schema.Struct({
  type: Schema.Literals(["import", "export", "net"]),
  unit: Schema.Literal("kwh"),
  value: Schema.NullOr(Schema.Number)
}).annotate({ identifier: "Datapoint" })

export const Reading = Schema.Struct({
  start: Ts,
  end: Ts,
  kwh: Schema.NullOr(Schema.Number),
  datapoints: Schema.Array(Datapoint)
}).annotate({ identifier: "Reading" })

export const Intervals = Schema.Struct({
  uid: Schema.String,
  meter_uid: Uid,
  authorization_uid: Uid,
  created: Ts,
  updated: Ts,
  notes: Schema.Array(Note),
  utility: Schema.String,
  blocks: Schema.Array(Schema.String),
  sources: Schema.Array(Schema.Struct({ type: Schema.String, raw_url: Schema.Null })),
  base: Schema.Struct({
    service_identifier: Schema.String,
    service_tariff: NullableString,
    service_address: NullableString,
    meter_numbers: Schema.Array(Schema.String),
    qualities: Schema.Array(Schema.String)
  }),
  readings: Schema.Array(Reading)
}).annotate({ identifier: "Intervals", description: "A meter's interval readings (streamed)." })

const Next = Schema.NullOr(Schema.String).annotate({ description: "The next page's URL, or null on the last page" })
const list = <S extends Schema.Top>(key: string, item: S, identifier: string) =>
  Schema.Struct({ [key]: Schema.Array(item), next: Next }).annotate({ identifier })

export const AuthorizationWithMeters = Schema.Struct({
  ...Authorization.fields,
  meters: Schema.optionalKey(Schema.Struct({ meters: Schema.Array(Meter), next: Next }))
}).annotate({ identifier: "AuthorizationWithMeters", description: "An Authorization; with `?include=meters`, its meters too." })

export const TemplateList = list("templates", Template, "TemplateList")
export const FormList = list("forms", Form, "FormList")
export const AuthorizationList = list("authorizations", AuthorizationWithMeters, "AuthorizationList")
export const MeterList = list("meters", Meter, "MeterList")
export const BillList = list("bills", Bill, "BillList")
export const IntervalList = Schema.Struct({
  intervals: Schema.Array(Intervals),
  next: Next,
  is_incomplete: Schema.Boolean
}).annotate({ identifier: "IntervalList" })

export const Success = Schema.Struct({ success: Schema.Literal(true) }).annotate({ identifier: "Success" })
export const TestSubmitted = Schema.Struct({ success: Schema.Literal(true), referral: NullableString, authorization_uid: Uid })
  .annotate({ identifier: "TestSubmitted" })
export const CollectionAccepted = Schema.Struct({
  success: Schema.Literal(true),
  meters: Schema.Array(Uid),
  collection_duration: Schema.optionalKey(Schema.Number),
  frequency: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "CollectionAccepted" })

export const Error = Schema.Struct({
  error: Schema.String.annotate({ description: "A type such as invalid_param, required_param_missing, not_found; accept unknown types" }),
  error_description: Schema.String
}).annotate({ identifier: "V2Error" })
