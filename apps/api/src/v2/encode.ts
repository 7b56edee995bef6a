/**
 * The v2 view of the one model: accounts as Authorizations, services as
 * Meters, bills with UtilityAPI's blocks, intervals as readings. Composed
 * here from Store records; timestamps in the API's one format.
 */
import { Scope, Timestamp, Workflow } from "@meterbridge/core"
import type { Log, Store } from "@meterbridge/core"
import { fastTimestamp } from "../shared/wire.ts"
import type * as Schemas from "./schemas.ts"

const ts = (t: Timestamp.Micros | null) => (t === null ? null : fastTimestamp(t))

/** v2's status vocabulary (an open enum: clients accept unknown values). */
const status = (log: Log.Log | null) => (log === null ? "updated" : log.type === "error" ? "errored" : log.type)

const notes = (log: Log.Log | null) =>
  log !== null && log.type === "error" ? [{ type: "error", msg: log.message, ts: ts(log.timestamp) }] : []

export interface Context {
  readonly base: string
  readonly userEmail: string
  readonly now: Timestamp.Micros
}

export const template = (t: Store.TemplateRecord, ctx: Context): Schemas.Template => ({
  uid: t.uid,
  created: ts(t.created),
  updated: ts(t.updated),
  user_email: ctx.userEmail,
  user_uid: t.user_uid,
  disabled: false,
  company_name: t.company_name,
  company_logo: t.company_logo,
  company_email: t.company_email,
  description: t.description,
  redirect_uris: t.redirect_uris,
  base_url: `${ctx.base}/authorize/${t.uid}`
})

export const formUrl = (base: string, f: Store.FormRecord) => `${base}/authorize/${f.template_uid ?? "meterbridge"}?f=${f.code}`

export const form = (f: Store.FormRecord, ctx: Context): Schemas.Form => ({
  uid: f.uid,
  created: ts(f.created),
  updated: ts(f.updated),
  template_uid: f.template_uid,
  authorization_uid: f.authorization_uid,
  is_archived: f.is_archived,
  disabled: false,
  user_email: ctx.userEmail,
  user_uid: f.user_uid,
  url: formUrl(ctx.base, f),
  customer_email: f.customer_email,
  utility: f.utility,
  scope: { expires: f.scope_expires }
})

export const authorization = (a: Store.AccountRecord, ctx: Context): Schemas.Authorization => {
  const expired = a.auth_expires !== null && a.auth_expires <= ctx.now
  return {
    uid: a.uid,
    created: ts(a.created),
    customer_email: a.customer_email,
    customer_signature: a.auth === "" ? null : { type: "text", ts: ts(a.created), full_name: a.auth },
    declined: ts(a.declined),
    is_declined: a.declined !== null,
    expires: a.auth_expires === null ? Scope.UNTIL_REVOKED : fastTimestamp(a.auth_expires),
    is_expired: expired,
    exports: { meters_csv: `${ctx.base}/api/v2/files/meters_bills_csv?authorizations=${a.uid}` },
    exports_list: [{ name: "Bills (CSV)", link: `${ctx.base}/api/v2/files/meters_bills_csv?authorizations=${a.uid}` }],
    form_uid: a.form_uid,
    template_uid: a.template_uid,
    referrals: a.referral === null ? [] : [a.referral],
    is_archived: a.is_archived,
    is_test: a.is_test,
    notes: notes(a.latest),
    nickname: a.nickname,
    revoked: ts(a.revoked),
    is_revoked: a.revoked !== null,
    scope: { expires: a.auth_expires === null ? Scope.UNTIL_REVOKED : fastTimestamp(a.auth_expires) },
    // v2's status enum is pending | updated | errored (the utility-api client decodes it strictly).
    status: a.revoked !== null ? "updated" : a.declined !== null ? "errored" : status(a.latest),
    status_message: a.latest?.message ?? "Authorization received",
    status_ts: ts(a.latest?.timestamp ?? a.created),
    user_email: ctx.userEmail,
    user_uid: a.user_uid,
    user_status: "active",
    utility: a.utility,
    /** Meterbridge: where the customer approves access while that is pending. */
    ...(a.authorization_url === null ? {} : { authorization_url: a.authorization_url })
  }
}

const coverage = (ranges: ReadonlyArray<readonly [Timestamp.Micros, Timestamp.Micros]>) =>
  ranges.map(([a, b]) => [fastTimestamp(a), fastTimestamp(b)])

/** The `base` block both meters and bills carry. */
const meterBase = (s: Pick<Store.ServiceRecord, "utility_service_id" | "utility_tariff_name" | "utility_service_address" | "utility_meter_number" | "utility_billing_contact" | "utility_billing_address" | "utility_billing_account">) => ({
  service_identifier: s.utility_service_id,
  service_tariff: s.utility_tariff_name,
  // UtilityAPI's ServiceType vocabulary; every utility served today is electric, and none says residential or commercial.
  service_class: "electric",
  service_address: s.utility_service_address,
  meter_numbers: s.utility_meter_number === null ? [] : [s.utility_meter_number],
  billing_contact: s.utility_billing_contact,
  billing_address: s.utility_billing_address,
  billing_account: s.utility_billing_account
})

const PERIOD_DAYS = { daily: 1, weekly: 7, monthly: 30 } as const

/** A meter depends on the service and who asks (their email, the server's address), never on the time of asking. */
export const meter = (s: Store.ServiceWithFigures, ctx: Pick<Context, "base" | "userEmail">): Schemas.Meter => {
  const untouched = !s.is_activated && s.latest === null
  const nextRefresh = s.monitoring === "off" || s.last_collected === null
    ? null
    : s.last_collected + PERIOD_DAYS[s.monitoring] * Timestamp.MICROS_PER_DAY
  return {
    uid: s.uid,
    authorization_uid: s.account_uid,
    created: ts(s.created),
    user_email: ctx.userEmail,
    user_uid: s.user_uid,
    is_archived: s.is_archived,
    is_activated: s.is_activated,
    is_expanded: true,
    notes: notes(s.latest),
    status: status(s.latest),
    status_message: untouched ? Workflow.NO_LOGS_YET : s.latest?.message ?? "Data refreshed",
    status_ts: ts(s.latest?.timestamp ?? s.created),
    ongoing_monitoring: {
      frequency: s.monitoring,
      prepay: null,
      next_prepay: null,
      next_refresh: ts(nextRefresh),
      fixed_refresh_day: null
    },
    utility: s.utility,
    bill_count: s.bill_count,
    bill_coverage: coverage(s.bill_coverage),
    bill_sources: s.bill_count > 0 ? ["website"] : [],
    interval_count: s.interval_count,
    interval_coverage: coverage(s.interval_coverage),
    interval_sources: s.interval_count > 0 ? ["website"] : [],
    exports: {
      bills_csv: `${ctx.base}/api/v2/files/meters_bills_csv?meters=${s.uid}`,
      intervals_csv: `${ctx.base}/api/v2/files/intervals_csv?meters=${s.uid}`
    },
    exports_list: [
      { name: "Bills (CSV)", link: `${ctx.base}/api/v2/files/meters_bills_csv?meters=${s.uid}` },
      { name: "Intervals (CSV)", link: `${ctx.base}/api/v2/files/intervals_csv?meters=${s.uid}` }
    ],
    blocks: ["base"],
    base: meterBase(s)
  }
}

/** Bills have no uid in the Store: (meter, start, end) identifies one, so the uid is derived from it. */
export const billUid = (b: Store.BillRecord) => `${b.service_uid}-${(b.bill_start_date / 1_000_000).toString(36)}-${(b.bill_end_date / 1_000_000).toString(36)}`

export const bill = (b: Store.BillRecord, s: Store.ServiceRecord): Schemas.Bill => {
  const items = b.bill_breakdown?.line_items ?? []
  const tiers = b.bill_breakdown?.tiers
  const blocks = ["base", "line_items", ...(tiers ? ["tiers"] : [])]
  return {
    uid: billUid(b),
    meter_uid: b.service_uid,
    authorization_uid: s.account_uid,
    created: ts(b.updated),
    updated: ts(b.updated),
    notes: [],
    utility: b.utility,
    blocks,
    base: {
      ...meterBase(s),
      service_identifier: b.utility_service_id ?? s.utility_service_id,
      service_tariff: b.utility_tariff_name ?? s.utility_tariff_name,
      service_address: b.utility_service_address ?? s.utility_service_address,
      meter_numbers: b.utility_meter_number === null ? meterBase(s).meter_numbers : [b.utility_meter_number],
      bill_start_date: fastTimestamp(b.bill_start_date),
      bill_end_date: fastTimestamp(b.bill_end_date),
      bill_statement_date: ts(b.bill_statement_date),
      bill_total_cost: b.bill_total,
      bill_total_volume: b.bill_total_kWh,
      bill_total_unit: "kwh",
      bill_total_kwh: b.bill_total_kWh
    },
    line_items: items.map((i) => ({
      name: i.name,
      cost: i.cost,
      volume: i.volume,
      rate: i.rate,
      unit: i.unit === null ? null : i.unit.toLowerCase(),
      start: fastTimestamp(i.start),
      end: fastTimestamp(i.end),
      kind: "other"
    })),
    ...(tiers
      ? { tiers: Object.entries(tiers).map(([name, volume], i) => ({ name, level: i + 1, cost: null, volume, unit: "kwh" })) }
      : {})
  }
}
