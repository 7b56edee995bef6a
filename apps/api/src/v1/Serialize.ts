/**
 * From Store records to the API's objects (through the core Schemas, so the
 * wire shape is the Schema's), and from objects to JSON or CSV. Lists of
 * bills and intervals stream: `[`, rows joined by `,`, `]` for JSON; a header
 * then rows for CSV; nothing is held beyond one chunk.
 */
import { Schema, Stream } from "effect"
import type { Context } from "hono"
import { stringify } from "csv-stringify/sync"
import { Account, Bill, Interval, Service, Store, Timestamp, Token, User } from "@meterbridge/core"
import type { Api, Services } from "../Runtime.ts"
import type { AppEnv } from "./AppEnv.ts"

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

export const service = (s: Store.ServiceView): Json =>
  encodeService({
    uid: s.uid,
    user_uid: s.user_uid,
    account_uid: s.account_uid,
    account_auth_type: s.account_auth_type,
    account_auth: s.account_auth,
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
export const serviceFast = (s: Store.ServiceView): Json => ({
  uid: s.uid,
  user_uid: s.user_uid,
  account_uid: s.account_uid,
  account_auth_type: s.account_auth_type,
  account_auth: s.account_auth,
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

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"))
const dayPrefixes = new Map<number, string>()

/**
 * `Timestamp.format` for the hot path: the date part is cached per day and the
 * time of day is arithmetic. A test proves it equal to `Timestamp.format`.
 */
export const fastTimestamp = (t: Timestamp.Micros): string => {
  const day = Math.floor(t / Timestamp.MICROS_PER_DAY)
  let prefix = dayPrefixes.get(day)
  if (prefix === undefined) {
    if (dayPrefixes.size > 50_000) dayPrefixes.clear()
    prefix = Timestamp.format(day * Timestamp.MICROS_PER_DAY).slice(0, 11)
    dayPrefixes.set(day, prefix)
  }
  let rem = t - day * Timestamp.MICROS_PER_DAY
  const h = Math.floor(rem / Timestamp.MICROS_PER_HOUR)
  rem -= h * Timestamp.MICROS_PER_HOUR
  const m = Math.floor(rem / 60_000_000)
  rem -= m * 60_000_000
  const sec = Math.floor(rem / 1_000_000)
  const frac = rem - sec * 1_000_000
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${frac === 0 ? "000000" : String(frac).padStart(6, "0")}+00:00`
}

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

// ---------------------------------------------------------------------------
// CSV

const CSV_OPTIONS = { cast: { boolean: (b: boolean) => (b ? "true" : "false") } }

/** Columns: the entity's list when given, else every top-level field holding a scalar (nested ones are left out). */
const scalarColumns = (rows: ReadonlyArray<Record<string, unknown>>): Array<string> => {
  const seen = new Set<string>()
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (v === null || typeof v !== "object") seen.add(k)
    }
  }
  return [...seen]
}

/** Rows as arrays; a field absent from an object (pending collection) becomes an empty cell, like null. */
export const csv = (value: unknown, columns?: ReadonlyArray<string>): string => {
  const rows = (Array.isArray(value) ? value : [value]) as ReadonlyArray<Record<string, unknown>>
  const cols = columns ? [...columns] : scalarColumns(rows)
  const cells = rows.map((r) => cols.map((c) => {
    const v = r[c]
    return v !== null && typeof v === "object" ? undefined : v
  }))
  return stringify([cols, ...cells], CSV_OPTIONS)
}

export const csvRows = (rows: ReadonlyArray<ReadonlyArray<unknown>>): string => stringify(rows as Array<Array<unknown>>, CSV_OPTIONS)

// ---------------------------------------------------------------------------
// Responses

export const CSV_TYPE = "text/csv; charset=utf-8"
export const JSON_TYPE = "application/json; charset=utf-8"

/** One object or a small list, in the request's format. */
export const send = (c: Context<AppEnv>, value: unknown, columns?: ReadonlyArray<string>, status: 200 | 201 = 200) => {
  if (c.get("format") === "csv") return c.body(csv(value, columns), status, { "Content-Type": CSV_TYPE })
  return c.body(JSON.stringify(value), status, { "Content-Type": JSON_TYPE })
}

export interface StreamFormat<A> {
  readonly json: (a: A) => string
  readonly csvColumns: ReadonlyArray<string>
  readonly csvRow: (a: A) => ReadonlyArray<unknown>
}

/**
 * Streams a list as it is read from the Store. Headers are already sent when
 * rows flow, so a Store failure mid-way aborts the body (a truncated response
 * a client detects) instead of answering 200 with a partial list.
 */
export const sendStream = <A, E>(c: Context<AppEnv>, api: Api, rows: Stream.Stream<A, E, Services>, f: StreamFormat<A>) => {
  const asCsv = c.get("format") === "csv"
  let first = true
  const body = rows.pipe(
    // Bounded pieces: a Store may hand over a whole list as one chunk.
    Stream.rechunk(2000),
    Stream.chunks,
    Stream.map((chunk) => {
      if (asCsv) {
        const text = csvRows(chunk.map(f.csvRow))
        if (!first) return text
        first = false
        return csvRows([f.csvColumns]) + text
      }
      let text = first ? "[" : ","
      first = false
      text += chunk.map(f.json).join(",")
      return text
    }),
    Stream.concat(Stream.suspend(() => Stream.make(asCsv ? (first ? csvRows([f.csvColumns]) : "") : first ? "[]" : "]"))),
    Stream.encodeText
  )
  return c.body(api.readable(body, c.req.raw.signal), 200, { "Content-Type": asCsv ? CSV_TYPE : JSON_TYPE })
}
