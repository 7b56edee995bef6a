/** Rows to domain records and back. PostgreSQL returns `bigint` as strings, hence `Number` on every integer. */
import type { Log, Store } from "@meterbridge/core"
import type { Selectable } from "kysely"
import type { AccountsTable, BillsTable, FormsTable, JobsTable, ServicesTable, TemplatesTable, TokensTable, UsersTable } from "../Database.ts"

const num = (v: number | string): number => Number(v)
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v))
const jsonOrNull = <A>(v: string | null): A | null => (v === null ? null : JSON.parse(v) as A)

export const FLOWS = ["delivered", "received", "net"] as const
export const QUALITIES = ["actual", "estimated", "questionable", "edited", "derived"] as const
export const flowCode = (flow: string): number => FLOWS.indexOf(flow as (typeof FLOWS)[number])
export const qualityCode = (quality: string): number => QUALITIES.indexOf(quality as (typeof QUALITIES)[number])

export const user = (r: Selectable<UsersTable>): Store.UserRecord => ({
  uid: r.uid,
  email: r.email,
  password_hash: r.password_hash,
  created: num(r.created)
})

export const token = (r: Selectable<TokensTable>): Store.TokenRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  type: r.type as Store.TokenRecord["type"],
  secret_hash: r.secret_hash,
  created: num(r.created),
  expires: numOrNull(r.expires),
  request_count: num(r.request_count),
  signup_count: num(r.signup_count)
})

export const account = (r: Selectable<AccountsTable>): Store.AccountRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  utility: r.utility,
  created: num(r.created),
  auth_type: r.auth_type as Store.AccountRecord["auth_type"],
  auth: r.auth,
  auth_expires: numOrNull(r.auth_expires),
  login: r.login,
  latest: jsonOrNull<Log.Log>(r.latest),
  sealed_grant: r.sealed_grant,
  authorization_ref: r.authorization_ref,
  authorization_url: r.authorization_url,
  form_uid: r.form_uid,
  template_uid: r.template_uid,
  referral: r.referral,
  customer_email: r.customer_email,
  is_test: num(r.is_test) === 1,
  is_archived: num(r.is_archived) === 1,
  nickname: r.nickname,
  declined: numOrNull(r.declined),
  revoked: numOrNull(r.revoked)
})

/** Booleans to 0/1 for every flag column a patch may carry. */
export const flags = <T extends Record<string, unknown>>(row: T): { [K in keyof T]: T[K] extends boolean ? number : T[K] } =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "boolean" ? (v ? 1 : 0) : v])) as never

export const template = (r: Selectable<TemplatesTable>): Store.TemplateRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  created: num(r.created),
  updated: num(r.updated),
  company_name: r.company_name,
  company_logo: r.company_logo,
  company_email: r.company_email,
  description: r.description,
  redirect_uris: JSON.parse(r.redirect_uris) as Array<string>
})

export const form = (r: Selectable<FormsTable>): Store.FormRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  created: num(r.created),
  updated: num(r.updated),
  template_uid: r.template_uid,
  code: r.code,
  customer_email: r.customer_email,
  utility: r.utility,
  scope_expires: r.scope_expires,
  authorization_uid: r.authorization_uid,
  is_archived: num(r.is_archived) === 1
})

type ServiceRow = Omit<Selectable<ServicesTable>, "bill_count" | "bill_coverage" | "interval_count" | "interval_coverage">

export const service = (r: ServiceRow): Store.ServiceRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  account_uid: r.account_uid,
  utility: r.utility,
  created: num(r.created),
  active_until: numOrNull(r.active_until),
  latest: jsonOrNull<Log.Log>(r.latest),
  last_collected: numOrNull(r.last_collected),
  is_activated: num(r.is_activated) === 1,
  monitoring: r.monitoring as Store.MonitoringFrequency,
  is_archived: num(r.is_archived) === 1,
  utility_service_id: r.utility_service_id,
  utility_tariff_name: r.utility_tariff_name,
  utility_service_address: r.utility_service_address,
  utility_billing_account: r.utility_billing_account,
  utility_billing_contact: r.utility_billing_contact,
  utility_billing_address: r.utility_billing_address,
  utility_meter_number: r.utility_meter_number
})

const pairs = (json: string): Array<readonly [number, number]> =>
  (JSON.parse(json) as Array<[number, number]>).map(([a, b]) => [a, b] as const)

export const serviceWithFigures = (r: Selectable<ServicesTable>): Store.ServiceWithFigures => ({
  ...service(r),
  bill_coverage: pairs(r.bill_coverage),
  bill_count: num(r.bill_count),
  interval_coverage: pairs(r.interval_coverage),
  interval_count: num(r.interval_count)
})

export const serviceColumns = (s: Store.ServiceRecord) => ({
  uid: s.uid,
  user_uid: s.user_uid,
  account_uid: s.account_uid,
  utility: s.utility,
  created: s.created,
  active_until: s.active_until,
  latest: s.latest === null ? null : JSON.stringify(s.latest),
  last_collected: s.last_collected,
  is_activated: s.is_activated ? 1 : 0,
  monitoring: s.monitoring,
  is_archived: s.is_archived ? 1 : 0,
  utility_service_id: s.utility_service_id,
  utility_tariff_name: s.utility_tariff_name,
  utility_service_address: s.utility_service_address,
  utility_billing_account: s.utility_billing_account,
  utility_billing_contact: s.utility_billing_contact,
  utility_billing_address: s.utility_billing_address,
  utility_meter_number: s.utility_meter_number
})

export const bill = (r: Selectable<BillsTable>): Store.BillRecord => ({
  service_uid: r.service_uid,
  utility: r.utility,
  utility_service_id: r.utility_service_id,
  utility_tariff_name: r.utility_tariff_name,
  utility_service_address: r.utility_service_address,
  utility_meter_number: r.utility_meter_number,
  bill_start_date: num(r.bill_start_date),
  bill_end_date: num(r.bill_end_date),
  bill_statement_date: numOrNull(r.bill_statement_date),
  bill_total_kWh: numOrNull(r.bill_total_kWh),
  bill_total: numOrNull(r.bill_total),
  bill_breakdown: jsonOrNull(r.bill_breakdown),
  source: r.source,
  updated: num(r.updated)
})

export const billColumns = (b: Store.BillRecord) => ({
  service_uid: b.service_uid,
  bill_start_date: b.bill_start_date,
  bill_end_date: b.bill_end_date,
  utility: b.utility,
  utility_service_id: b.utility_service_id,
  utility_tariff_name: b.utility_tariff_name,
  utility_service_address: b.utility_service_address,
  utility_meter_number: b.utility_meter_number,
  bill_statement_date: b.bill_statement_date,
  bill_total_kWh: b.bill_total_kWh,
  bill_total: b.bill_total,
  bill_breakdown: b.bill_breakdown === null ? null : JSON.stringify(b.bill_breakdown),
  source: b.source,
  updated: b.updated
})

export const job = (r: Selectable<JobsTable>): Store.Job => ({
  id: String(r.id),
  kind: r.kind as Store.JobKind,
  target_uid: r.target_uid,
  params: JSON.parse(r.params) as Store.Job["params"],
  run_at: num(r.run_at),
  attempts: num(r.attempts),
  locked_until: numOrNull(r.locked_until)
})
