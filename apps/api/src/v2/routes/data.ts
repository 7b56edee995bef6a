/**
 * `/api/v2/bills`, `/api/v2/intervals` and the CSV exports under
 * `/api/v2/files/`. Each listing must name `meters` or `authorizations`.
 * Interval readings stream from the Store: a decade never sits in memory.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { Effect, Stream } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { Store } from "@meterbridge/core"
import type { Timestamp } from "@meterbridge/core"
import { csvRows, CSV_TYPE, fastTimestamp, JSON_TYPE } from "../../shared/wire.ts"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"
import { notFound, requiredParam } from "../errors.ts"
import { page } from "../pages.ts"

const KNOWN_PARAMS = new Set(["meters", "authorizations", "start", "end", "limit", "after", "access_token"])

/** The caller's meters chosen by `meters` and/or `authorizations` (unknown uids match nothing), oldest first. */
const chosenMeters = async (deps: Deps, c: Context<V2Env>) => {
  const auths = Body.queryList(c, "authorizations")
  // Some clients write the export links as `files/intervals_csv?<meter uid>`: a bare key names a meter.
  const bare = Object.entries(c.req.query()).filter(([k, v]) => v === "" && !KNOWN_PARAMS.has(k)).map(([k]) => k)
  const meters = Body.queryList(c, "meters") ?? (auths === undefined && bare.length > 0 ? bare : undefined)
  if (meters === undefined && auths === undefined) {
    throw requiredParam("meters", "Name the meters (\"meters\") or authorizations (\"authorizations\") whose data you want.")
  }
  const all = await deps.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))
  return all.filter((m) => (meters === undefined || meters.includes(m.uid)) && (auths === undefined || auths.includes(m.account_uid)))
}

const window = (c: Context<V2Env>) => {
  const start = Body.queryTime(c, "start")
  const end = Body.queryTime(c, "end")
  if (start !== undefined && end !== undefined && end < start) throw Body.invalid("end", "\"end\" must not be before \"start\".")
  return { start, end }
}

const num = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? "null" : String(n))

/**
 * One reading: `net` (import − export) always; where the meter exported
 * (net metering), `import` and `export` kept apart beside it. A meter that
 * only imports has one `net` datapoint, as UtilityAPI's readings do.
 */
const readingJson = (start: number, end: number, imp: number | null | undefined, exp: number | null | undefined) => {
  const net = imp === undefined && exp === undefined ? null : imp === null || exp === null ? null : (imp ?? 0) - (exp ?? 0)
  let points = ""
  if (exp !== undefined) points += `{"type":"import","unit":"kwh","value":${num(imp ?? null)}},{"type":"export","unit":"kwh","value":${num(exp)}},`
  points += `{"type":"net","unit":"kwh","value":${num(net)}}`
  return `{"start":"${fastTimestamp(start)}","end":"${fastTimestamp(end)}","kwh":${num(net)},"datapoints":[${points}]}`
}

interface Reading {
  readonly start: number
  readonly end: number
  readonly imp: number | null | undefined
  readonly exp: number | null | undefined
}

/**
 * A meter's readings in start order: the delivered stream, with the
 * received (exported) values joined by start. Exports are a meter's smaller
 * flow, so they are read first into a map; an export with no import at the
 * same start is still emitted, in order.
 */
const readings = (meterUid: string, query: { start?: Timestamp.Micros; end?: Timestamp.Micros }) =>
  Stream.unwrap(Effect.gen(function*() {
    const store = yield* Store.Store
    const received = Array.from(yield* Stream.runCollect(store.streamIntervals(meterUid, { ...query, flow: "received" })))
    let next = 0
    const flushBefore = (start: number, out: Array<Reading>) => {
      while (next < received.length && received[next]!.interval_start < start) {
        const r = received[next++]!
        out.push({ start: r.interval_start, end: r.interval_end, imp: undefined, exp: r.interval_kWh })
      }
    }
    const byStart = new Map(received.map((r, i) => [r.interval_start, i]))
    return store.streamIntervals(meterUid, { ...query, flow: "delivered" }).pipe(
      Stream.mapArray((chunk) => {
        const out: Array<Reading> = []
        for (const d of chunk) {
          flushBefore(d.interval_start, out)
          const i = byStart.get(d.interval_start)
          if (i !== undefined && i >= next) next = i + 1
          out.push({ start: d.interval_start, end: d.interval_end, imp: d.interval_kWh, exp: i === undefined ? undefined : received[i]!.interval_kWh })
        }
        // Each delivered reading yields one reading or more, so a non-empty chunk stays non-empty.
        return out as unknown as NonEmptyReadonlyArray<Reading>
      }),
      Stream.concat(Stream.suspend(() => {
        const out: Array<Reading> = []
        flushBefore(Number.POSITIVE_INFINITY, out)
        return Stream.fromIterable(out)
      }))
    )
  }))

/** Joins text pieces into ~64 KB chunks before they reach the socket. */
const textBody = <E>(deps: Deps, c: Context<V2Env>, pieces: Stream.Stream<string, E, Store.Store>, type: string) =>
  c.body(deps.runtime.readable(pieces.pipe(Stream.rechunk(2000), Stream.chunks, Stream.map((ch) => ch.join("")), Stream.encodeText), c.req.raw.signal), 200, {
    "Content-Type": type
  })

export const data = (deps: Deps) => {
  const app = new Hono<V2Env>()

  app.get("/bills", async (c) => {
    const meters = await chosenMeters(deps, c)
    const { start, end } = window(c)
    const limit = Body.queryLimit(c)
    const bills = await deps.run(Effect.gen(function*() {
      const store = yield* Store.Store
      const out: Array<{ readonly uid: string; readonly created: number; readonly bill: Store.BillRecord; readonly meter: Store.ServiceRecord }> = []
      for (const m of meters) {
        for (const b of yield* Stream.runCollect(store.streamBills(m.uid))) {
          if ((start !== undefined && b.bill_end_date <= start) || (end !== undefined && b.bill_start_date >= end)) continue
          out.push({ uid: Encode.billUid(b), created: b.bill_start_date, bill: b, meter: m })
        }
      }
      return out
    }))
    const { items, next } = page(bills, () => true, { url: c.req.url, after: c.req.query("after"), limit })
    return c.json({ bills: items.map((b) => Encode.bill(b.bill, b.meter)), next })
  })

  app.get("/intervals", async (c) => {
    const meters = await chosenMeters(deps, c)
    const query = window(c)
    const limit = Body.queryLimit(c)
    const { items, next } = page(meters, () => true, { url: c.req.url, after: c.req.query("after"), limit })
    const q = { ...(query.start === undefined ? {} : { start: query.start }), ...(query.end === undefined ? {} : { end: query.end }) }
    const objects = Stream.fromIterable(items.map((m, i) => ({ m, i }))).pipe(
      Stream.flatMap(({ m, i }) => {
        const head = `${i === 0 ? "" : ","}{"uid":${JSON.stringify(`${m.uid}-intervals`)},"meter_uid":${JSON.stringify(m.uid)},"authorization_uid":${
          JSON.stringify(m.account_uid)
        },"created":"${fastTimestamp(m.created)}","updated":"${fastTimestamp(m.last_collected ?? m.created)}","notes":[],"utility":${
          JSON.stringify(m.utility)
        },"blocks":["base","sources","readings"],"sources":[{"type":"website","raw_url":null}],"base":${
          JSON.stringify({
            service_identifier: m.utility_service_id,
            service_tariff: m.utility_tariff_name,
            service_address: m.utility_service_address,
            meter_numbers: m.utility_meter_number === null ? [] : [m.utility_meter_number],
            qualities: ["revenue"]
          })
        },"readings":[`
        let first = true
        return Stream.make(head).pipe(
          Stream.concat(readings(m.uid, q).pipe(Stream.map((r) => {
            const text = readingJson(r.start, r.end, r.imp, r.exp)
            if (first) {
              first = false
              return text
            }
            return `,${text}`
          }))),
          Stream.concat(Stream.make("]}"))
        )
      })
    )
    const body = Stream.make("{\"intervals\":[").pipe(
      Stream.concat(objects),
      Stream.concat(Stream.make(`],"next":${JSON.stringify(next)},"is_incomplete":false}`))
    )
    return textBody(deps, c, body, JSON_TYPE)
  })

  app.get("/files/intervals_csv", async (c) => {
    const meters = await chosenMeters(deps, c)
    const q = window(c)
    const query = { ...(q.start === undefined ? {} : { start: q.start }), ...(q.end === undefined ? {} : { end: q.end }) }
    const header = csvRows([["meter_uid", "authorization_uid", "utility", "service_identifier", "meter_number", "service_tariff", "interval_start", "interval_end", "interval_kwh", "import_kwh", "export_kwh"]])
    const rows = Stream.fromIterable(meters).pipe(Stream.flatMap((m) =>
      readings(m.uid, query).pipe(
        Stream.rechunk(1000),
        Stream.chunks,
        Stream.map((chunk) =>
          csvRows(chunk.map((r) => {
            const net = r.imp === null || r.exp === null ? null : (r.imp ?? 0) - (r.exp ?? 0)
            return [m.uid, m.account_uid, m.utility, m.utility_service_id, m.utility_meter_number, m.utility_tariff_name, fastTimestamp(r.start), fastTimestamp(r.end), net, r.imp, r.exp]
          }))
        )
      )
    ))
    return textBody(deps, c, Stream.make(header).pipe(Stream.concat(rows)), CSV_TYPE)
  })

  const billRows = async (c: Context<V2Env>) => {
    const meters = await chosenMeters(deps, c)
    return deps.run(Effect.gen(function*() {
      const store = yield* Store.Store
      const out: Array<{ bill: Store.BillRecord; meter: Store.ServiceRecord }> = []
      for (const m of meters) for (const b of yield* Stream.runCollect(store.streamBills(m.uid))) out.push({ bill: b, meter: m })
      return out
    }))
  }

  // `billing_summaries_csv` is UtilityAPI's account-level export; Meterbridge has no billing accounts, so it serves the bills.
  app.get("/files/billing_summaries_csv", async (c) => c.redirect(`${new URL(c.req.url).pathname.replace(/billing_summaries_csv$/, "meters_bills_csv")}${new URL(c.req.url).search}`, 307))

  app.get("/files/meters_bills_csv", async (c) => {
    const rows = await billRows(c)
    const csv = csvRows([
      ["meter_uid", "authorization_uid", "bill_uid", "utility", "service_identifier", "service_tariff", "service_address", "meter_number", "billing_account", "bill_start_date", "bill_end_date", "bill_statement_date", "bill_total_kwh", "bill_total_cost", "line_item_count"],
      ...rows.map(({ bill: b, meter: m }) => [
        m.uid, m.account_uid, Encode.billUid(b), b.utility, b.utility_service_id ?? m.utility_service_id, b.utility_tariff_name ?? m.utility_tariff_name,
        b.utility_service_address ?? m.utility_service_address, b.utility_meter_number ?? m.utility_meter_number, m.utility_billing_account,
        fastTimestamp(b.bill_start_date), fastTimestamp(b.bill_end_date), b.bill_statement_date === null ? null : fastTimestamp(b.bill_statement_date),
        b.bill_total_kWh, b.bill_total, b.bill_breakdown?.line_items.length ?? 0
      ])
    ])
    return c.body(csv, 200, { "Content-Type": CSV_TYPE })
  })

  app.get("/files/meters_lineitems_csv", async (c) => {
    const rows = await billRows(c)
    const csv = csvRows([
      ["meter_uid", "authorization_uid", "bill_uid", "bill_start_date", "bill_end_date", "name", "cost", "volume", "rate", "unit", "start", "end", "kind"],
      ...rows.flatMap(({ bill: b, meter: m }) =>
        (b.bill_breakdown?.line_items ?? []).map((i) => [
          m.uid, m.account_uid, Encode.billUid(b), fastTimestamp(b.bill_start_date), fastTimestamp(b.bill_end_date),
          i.name, i.cost, i.volume, i.rate, i.unit === null ? null : i.unit.toLowerCase(), fastTimestamp(i.start), fastTimestamp(i.end), "other"
        ]))
    ])
    return c.body(csv, 200, { "Content-Type": CSV_TYPE })
  })

  app.get("/files/:name", (c) => {
    throw notFound(`file named "${c.req.param("name")}" (exports: intervals_csv, meters_bills_csv, meters_lineitems_csv)`)
  })
  return app
}
