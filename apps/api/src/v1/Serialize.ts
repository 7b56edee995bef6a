/**
 * From Store records to v1's objects, through the core Schemas so the wire
 * shape is the Schema's; hand-written copies for the hot paths, each proved
 * equal to the Schema's encoding by a test. Responding lives in `respond.ts`.
 */
import { Schema } from "effect"
import { Account, Bill, Interval, Service, Store, Timestamp, Token, User } from "@meterbridge/core"
import { fastTimestamp } from "../shared/wire.ts"

type Json = unknown

const encodeAccount = Schema.encodeSync(Account.Account)
const encodeService = Schema.encodeSync(Service.Service)
const encodeBill = Schema.encodeSync(Bill.Bill)
const encodeInterval = Schema.encodeSync(Interval.Interval)
const encodeToken = Schema.encodeSync(Token.Token)
const encodeUser = Schema.encodeSync(User.User)

export const account = (a: Store.AccountRecord): Json =>
  encodeAccount({
    uid: a.uid,
    user_uid: a.user_uid,
    utility: a.utility,
    created: a.created,
    auth_type: a.auth_type,
    auth: a.auth,
    auth_expires: a.auth_expires,
    login: a.login,
    ...(a.latest === null ? {} : { latest: a.latest }),
    ...(a.authorization_url === null ? {} : { authorization_url: a.authorization_url })
  })

/** v1's Service object shows its account's authorization: composed here from the two records. */
export type AccountAuth = Pick<Store.AccountRecord, "auth_type" | "auth">

export const service = (s: Store.ServiceWithFigures, account: AccountAuth): Json =>
  encodeService({
    uid: s.uid,
    user_uid: s.user_uid,
    account_uid: s.account_uid,
    account_auth_type: account.auth_type,
    account_auth: account.auth,
    utility: s.utility,
    created: s.created,
    active_until: s.active_until,
    ...(s.latest === null ? {} : { latest: s.latest }),
    utility_service_id: s.utility_service_id,
    utility_tariff_name: s.utility_tariff_name,
    utility_service_address: s.utility_service_address,
    utility_billing_account: s.utility_billing_account,
    utility_billing_contact: s.utility_billing_contact,
    utility_billing_address: s.utility_billing_address,
    utility_meter_number: s.utility_meter_number,
    bill_coverage: s.bill_coverage,
    bill_count: s.bill_count,
    interval_coverage: s.interval_coverage,
    interval_count: s.interval_count
  })

const coverageJson = (ranges: ReadonlyArray<readonly [Timestamp.Micros, Timestamp.Micros]>) =>
  ranges.map(([a, b]) => [fastTimestamp(a), fastTimestamp(b)])

/**
 * The Service object by hand, for the per-request path (`GET /services/<uid>`);
 * a test proves it deep-equal to the Schema's encoding (`service`).
 */
export const serviceFast = (s: Store.ServiceWithFigures, account: AccountAuth): Json => ({
  uid: s.uid,
  user_uid: s.user_uid,
  account_uid: s.account_uid,
  account_auth_type: account.auth_type,
  account_auth: account.auth,
  utility: s.utility,
  created: fastTimestamp(s.created),
  active_until: s.active_until === null ? null : fastTimestamp(s.active_until),
  ...(s.latest === null ? {} : { latest: { type: s.latest.type, message: s.latest.message, timestamp: fastTimestamp(s.latest.timestamp) } }),
  utility_service_id: s.utility_service_id,
  utility_tariff_name: s.utility_tariff_name,
  utility_service_address: s.utility_service_address,
  utility_billing_account: s.utility_billing_account,
  utility_billing_contact: s.utility_billing_contact,
  utility_billing_address: s.utility_billing_address,
  utility_meter_number: s.utility_meter_number,
  bill_coverage: coverageJson(s.bill_coverage),
  bill_count: s.bill_count,
  interval_coverage: coverageJson(s.interval_coverage),
  interval_count: s.interval_count
})

/** Whole days from start to end, rounded so a DST change inside the period does not shave one off. */
export const billDays = (start: Timestamp.Micros, end: Timestamp.Micros): number =>
  Math.round((end - start) / Timestamp.MICROS_PER_DAY)

export const bill = (b: Store.BillRecord): Json =>
  encodeBill({
    service_uid: b.service_uid,
    utility: b.utility,
    utility_service_id: b.utility_service_id,
    utility_tariff_name: b.utility_tariff_name,
    utility_service_address: b.utility_service_address,
    utility_meter_number: b.utility_meter_number,
    bill_start_date: b.bill_start_date,
    bill_end_date: b.bill_end_date,
    bill_bill_days: billDays(b.bill_start_date, b.bill_end_date),
    bill_statement_date: b.bill_statement_date,
    bill_total_kWh: b.bill_total_kWh,
    bill_total: b.bill_total,
    bill_breakdown: b.bill_breakdown,
    source: b.source,
    updated: b.updated
  })

/** Measured demand when the utility gave one, else average demand: kWh over the interval's hours. */
export const intervalKW = (i: Store.IntervalRecord): number | null => {
  if (i.interval_kW !== undefined && i.interval_kW !== null) return i.interval_kW
  if (i.interval_kWh === null) return null
  const hours = (i.interval_end - i.interval_start) / Timestamp.MICROS_PER_HOUR
  return hours > 0 ? i.interval_kWh / hours : null
}

/** The reference path: the Interval Schema's encoding. `intervalJsonText` must equal its JSON. */
export const interval = (i: Store.IntervalRecord): Json =>
  encodeInterval({
    service_uid: i.service_uid,
    utility: i.utility,
    utility_service_id: i.utility_service_id,
    utility_tariff_name: i.utility_tariff_name,
    utility_service_address: i.utility_service_address,
    utility_meter_number: i.utility_meter_number,
    interval_start: i.interval_start,
    interval_end: i.interval_end,
    interval_kWh: i.interval_kWh,
    interval_kW: intervalKW(i),
    source: i.source,
    updated: i.updated
  })

const str = (s: string | null) => (s === null ? "null" : JSON.stringify(s))
const num = (n: number | null) => (n === null || !Number.isFinite(n) ? "null" : String(n))

/**
 * A hand-written serializer for the hot path (a decade of 15-minute rows);
 * a test proves it byte-identical to `JSON.stringify(interval(row))`.
 */
export const intervalJsonText = (i: Store.IntervalRecord): string =>
  `{"service_uid":${JSON.stringify(i.service_uid)},"utility":${JSON.stringify(i.utility)},"utility_service_id":${
    str(i.utility_service_id)
  },"utility_tariff_name":${str(i.utility_tariff_name)},"utility_service_address":${
    str(i.utility_service_address)
  },"utility_meter_number":${str(i.utility_meter_number)},"interval_start":"${fastTimestamp(i.interval_start)}","interval_end":"${
    fastTimestamp(i.interval_end)
  }","interval_kWh":${num(i.interval_kWh)},"interval_kW":${num(intervalKW(i))},"source":${str(i.source)},"updated":"${
    fastTimestamp(i.updated)
  }"}`

export const intervalCsvRow = (i: Store.IntervalRecord): ReadonlyArray<unknown> => [
  i.service_uid,
  i.utility,
  i.utility_service_id,
  i.utility_tariff_name,
  i.utility_service_address,
  i.utility_meter_number,
  fastTimestamp(i.interval_start),
  fastTimestamp(i.interval_end),
  i.interval_kWh,
  intervalKW(i),
  i.source,
  fastTimestamp(i.updated)
]

/** One CSV cell as csv-stringify writes it: quoted only when it holds a comma, a quote or a line break. */
const cell = (v: string | number | null): string => {
  if (v === null) return ""
  if (typeof v === "number") return String(v)
  return /[",\r\n]/.test(v) ? `"${v.replaceAll("\"", "\"\"")}"` : v
}

/**
 * `intervalCsvRow` as one CSV line, for the hot path (a decade streamed as CSV
 * allocated several times the memory through csv-stringify, measured); a test
 * proves it byte-identical to csv-stringify's output for the same row.
 */
export const intervalCsvText = (i: Store.IntervalRecord): string =>
  `${cell(i.service_uid)},${cell(i.utility)},${cell(i.utility_service_id)},${cell(i.utility_tariff_name)},${cell(i.utility_service_address)},${
    cell(i.utility_meter_number)
  },${fastTimestamp(i.interval_start)},${fastTimestamp(i.interval_end)},${cell(i.interval_kWh)},${cell(intervalKW(i))},${cell(i.source)},${
    fastTimestamp(i.updated)
  }\n`

export const token = (t: Store.TokenRecord): Json =>
  encodeToken({
    uid: t.uid,
    type: t.type,
    created: t.created,
    expires: t.expires,
    user_uid: t.user_uid,
    request_count: t.request_count,
    signup_count: t.signup_count
  })

export const user = (u: Store.UserRecord): Json => encodeUser({ uid: u.uid, email: u.email, password: "****", created: u.created })

