/**
 * The interval hot path, in plain SQL both dialects accept: multi-row
 * `INSERT … ON CONFLICT … DO UPDATE … WHERE <values differ> RETURNING revision`
 * in chunks (revision 0 = inserted, above 0 = changed, skipped rows return
 * nothing), provenance by reference, and the service's delivered-flow summary
 * updated in the same transaction. Reads page by keyset on the primary key.
 */
import type { Store } from "@meterbridge/core"
import { CompiledQuery, type Kysely } from "kysely"
import type { Database } from "../Database.ts"
import { coverage, type Range, union } from "./coverage.ts"
import { FLOWS, flowCode, QUALITIES, qualityCode } from "./rows.ts"

export type Dialect = "sqlite" | "postgres"

const COLUMNS = ["service_uid", "flow", "interval_start", "interval_end", "kwh", "kw", "quality", "provenance_id", "updated"]
/**
 * 9 parameters a row: 1,000 rows stay well under SQLite's 32,766 bound parameters (and PostgreSQL's 65,535).
 * Measured on SQLite: chunks of 200–1,000 rows run fastest once the statement is cached; 3,000 is slower.
 */
export const CHUNK = 1000
export const PAGE = 5000
const DELIVERED = 0

const placeholders = (dialect: Dialect, rows: number, columns: number): string => {
  const out: Array<string> = []
  let n = 0
  for (let r = 0; r < rows; r++) {
    const row: Array<string> = []
    for (let c = 0; c < columns; c++) row.push(dialect === "sqlite" ? "?" : `$${++n}`)
    out.push(`(${row.join(",")})`)
  }
  return out.join(",")
}

const run = async <R>(db: Kysely<Database>, text: string, params: ReadonlyArray<unknown>): Promise<Array<R>> =>
  (await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows as Array<R>

const ON_CONFLICT = `on conflict (service_uid, flow, interval_start) do update set
     interval_end = excluded.interval_end, kwh = excluded.kwh, kw = excluded.kw, quality = excluded.quality,
     provenance_id = excluded.provenance_id, updated = excluded.updated, revision = intervals.revision + 1
   where intervals.interval_end <> excluded.interval_end
      or intervals.kwh is distinct from excluded.kwh
      or intervals.kw is distinct from excluded.kw
      or intervals.quality <> excluded.quality
      or intervals.provenance_id <> excluded.provenance_id
   returning revision`

const upsertSql = (dialect: Dialect, rows: number) =>
  `insert into intervals (${COLUMNS.join(", ")}) values ${placeholders(dialect, rows, COLUMNS.length)} ${ON_CONFLICT}`

/**
 * PostgreSQL takes whole columns as arrays through `unnest`: nine parameters
 * per statement whatever the row count, and a fraction of the parsing and
 * binding of a long VALUES list.
 */
const UNNEST_CHUNK = 5000
const unnestSql = `insert into intervals (${COLUMNS.join(", ")})
  select $1::text, $2::int, s, e, k, w, q, p, u
  from unnest($3::bigint[], $4::bigint[], $5::float8[], $6::float8[], $7::int[], $8::bigint[], $9::bigint[]) as t(s, e, k, w, q, p, u)
  ${ON_CONFLICT}`

const provenanceKey = (i: Store.IntervalRecord) =>
  JSON.stringify([i.utility, i.utility_service_id, i.utility_tariff_name, i.utility_service_address, i.utility_meter_number, i.source])

/** Ids of the provenance rows for these keys, inserting the missing ones. */
const provenanceIds = async (db: Kysely<Database>, byKey: Map<string, Store.IntervalRecord>): Promise<Map<string, number>> => {
  const keys = [...byKey.keys()]
  const ids = new Map<string, number>()
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500)
    const found = await db.selectFrom("provenance").select(["id", "key"]).where("key", "in", slice).execute()
    for (const r of found) ids.set(r.key, Number(r.id))
    const missing = slice.filter((k) => !ids.has(k))
    if (missing.length === 0) continue
    const inserted = await db.insertInto("provenance")
      .values(missing.map((key) => {
        const r = byKey.get(key)!
        return {
          key,
          utility: r.utility,
          utility_service_id: r.utility_service_id,
          utility_tariff_name: r.utility_tariff_name,
          utility_service_address: r.utility_service_address,
          utility_meter_number: r.utility_meter_number,
          source: r.source
        }
      }))
      // A concurrent writer may have added the same key: take its row.
      .onConflict((oc) => oc.column("key").doNothing())
      .returning(["id", "key"])
      .execute()
    for (const r of inserted) ids.set(r.key, Number(r.id))
    const raced = missing.filter((k) => !ids.has(k))
    if (raced.length > 0) {
      for (const r of await db.selectFrom("provenance").select(["id", "key"]).where("key", "in", raced).execute()) {
        ids.set(r.key, Number(r.id))
      }
    }
  }
  return ids
}

/** Islands of contiguous delivered readings, computed by the database (window functions, both dialects). */
const islands = (dialect: Dialect) =>
  `select min(s) as s, max(e) as e, count(*) as n from (
     select s, e, sum(brk) over (order by s rows unbounded preceding) as grp from (
       select interval_start as s, interval_end as e,
         case when interval_start <= max(interval_end) over (order by interval_start rows between unbounded preceding and 1 preceding)
           then 0 else 1 end as brk
       from intervals where service_uid = ${dialect === "sqlite" ? "?" : "$1"} and flow = ${DELIVERED}
     ) marked
   ) grouped group by grp order by s`

const recomputeSummary = async (db: Kysely<Database>, dialect: Dialect, serviceUid: string) => {
  const rows = await run<{ s: number | string; e: number | string; n: number | string }>(db, islands(dialect), [serviceUid])
  let count = 0
  const ranges: Array<[number, number]> = []
  for (const r of rows) {
    ranges.push([Number(r.s), Number(r.e)])
    count += Number(r.n)
  }
  await db.updateTable("services").set({ interval_count: count, interval_coverage: JSON.stringify(ranges) })
    .where("uid", "=", serviceUid).execute()
}

/**
 * Reads the services' rows and, on PostgreSQL, locks them (in uid order, so two
 * writers cannot deadlock) until the transaction ends: writers of one service take
 * turns, and neither overwrites the other's summary. SQLite has one writer at a time.
 */
export const lockServices = <C extends "uid" | "interval_count" | "interval_coverage">(
  db: Kysely<Database>,
  dialect: Dialect,
  uids: ReadonlyArray<string>,
  columns: ReadonlyArray<C>
) => {
  const query = db.selectFrom("services").select(columns).where("uid", "in", uids).orderBy("uid")
  return (dialect === "postgres" ? query.forUpdate() : query).execute()
}

interface Group {
  readonly service: string
  readonly flow: number
  /** By interval_start: the last occurrence of a key wins, as one statement may not touch a row twice. */
  readonly rows: Map<number, Store.IntervalRecord>
}

const sameProvenance = (a: Store.IntervalRecord, b: Store.IntervalRecord) =>
  a.utility === b.utility && a.utility_service_id === b.utility_service_id &&
  a.utility_tariff_name === b.utility_tariff_name && a.utility_service_address === b.utility_service_address &&
  a.utility_meter_number === b.utility_meter_number && a.source === b.source

/** Runs inside the caller's transaction; throws to roll it back. */
export const upsertIntervals = async (
  db: Kysely<Database>,
  dialect: Dialect,
  intervals: ReadonlyArray<Store.IntervalRecord>,
  signal?: AbortSignal
): Promise<Store.UpsertResult> => {
  const groups = new Map<string, Group>()
  const byProvenance = new Map<string, Store.IntervalRecord>()
  // Rows arrive in runs of one service, flow and provenance: compare with the previous row before hashing.
  const keys = new Array<string>(intervals.length)
  let group: Group | undefined
  let previous: Store.IntervalRecord | undefined
  for (let n = 0; n < intervals.length; n++) {
    const i = intervals[n]!
    if (group === undefined || group.service !== i.service_uid || FLOWS[group.flow] !== i.flow) {
      const key = `${i.service_uid}\u0000${i.flow}`
      group = groups.get(key)
      if (group === undefined) groups.set(key, group = { service: i.service_uid, flow: flowCode(i.flow), rows: new Map() })
    }
    group.rows.set(i.interval_start, i)
    if (previous !== undefined && sameProvenance(previous, i)) {
      keys[n] = keys[n - 1]!
    } else {
      keys[n] = provenanceKey(i)
      if (!byProvenance.has(keys[n]!)) byProvenance.set(keys[n]!, i)
    }
    previous = i
  }
  const provenanceOf = new Map<Store.IntervalRecord, string>()
  if (byProvenance.size > 1) for (let n = 0; n < intervals.length; n++) provenanceOf.set(intervals[n]!, keys[n]!)
  const onlyProvenance = byProvenance.size === 1 ? keys[0]! : undefined
  if (groups.size === 0) return { inserted: 0, changed: 0 }

  const services = [...new Set([...groups.values()].map((g) => g.service))].sort()
  const summaries = new Map<string, { count: number; coverage: Array<Range> }>()
  for (const s of await lockServices(db, dialect, services, ["uid", "interval_count", "interval_coverage"])) {
    summaries.set(s.uid, { count: Number(s.interval_count), coverage: JSON.parse(s.interval_coverage) })
  }
  const unknown = services.filter((s) => !summaries.has(s))
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(", ")}`)

  const provenance = await provenanceIds(db, byProvenance)
  const single = onlyProvenance === undefined ? undefined : provenance.get(onlyProvenance)
  let inserted = 0
  let changed = 0
  const fullSql = upsertSql(dialect, CHUNK)
  for (const g of groups.values()) {
    let groupInserted = 0
    let groupChanged = 0
    const rows = [...g.rows.values()]
    const count = (returned: Array<{ revision: number | string }>) => {
      // Interrupted: stop issuing statements; the transaction is being rolled back.
      signal?.throwIfAborted()
      for (const r of returned) {
        if (Number(r.revision) === 0) groupInserted++
        else groupChanged++
      }
    }
    for (let at = 0; dialect === "postgres" && at < rows.length; at += UNNEST_CHUNK) {
      const chunk = rows.slice(at, at + UNNEST_CHUNK)
      count(await run<{ revision: number | string }>(db, unnestSql, [
        g.service,
        g.flow,
        chunk.map((i) => i.interval_start),
        chunk.map((i) => i.interval_end),
        chunk.map((i) => i.interval_kWh),
        chunk.map((i) => i.interval_kW ?? null),
        chunk.map((i) => qualityCode(i.quality)),
        chunk.map((i) => single ?? provenance.get(provenanceOf.get(i)!)),
        chunk.map((i) => i.updated)
      ]))
    }
    for (let at = 0; dialect === "sqlite" && at < rows.length; at += CHUNK) {
      const chunk = rows.slice(at, at + CHUNK)
      const params: Array<unknown> = new Array(chunk.length * COLUMNS.length)
      let p = 0
      for (const i of chunk) {
        params[p++] = g.service
        params[p++] = g.flow
        params[p++] = i.interval_start
        params[p++] = i.interval_end
        params[p++] = i.interval_kWh
        params[p++] = i.interval_kW ?? null
        params[p++] = qualityCode(i.quality)
        params[p++] = single ?? provenance.get(provenanceOf.get(i)!)
        params[p++] = i.updated
      }
      const text = chunk.length === CHUNK ? fullSql : upsertSql(dialect, chunk.length)
      count(await run<{ revision: number | string }>(db, text, params))
    }
    inserted += groupInserted
    changed += groupChanged
    if (g.flow !== DELIVERED || groupInserted + groupChanged === 0) continue
    if (groupChanged > 0) {
      // A correction may have moved an interval's end: only a recount is sure to be right.
      await recomputeSummary(db, dialect, g.service)
    } else {
      // Only new rows: the old coverage stays, widened by this batch's ranges.
      const before = summaries.get(g.service)!
      const ranges = rows.map((i) => [i.interval_start, i.interval_end] as const)
      if (!ranges.every((r, n) => n === 0 || ranges[n - 1]![0] <= r[0])) ranges.sort((a, b) => a[0] - b[0])
      const batch = coverage(ranges)
      await db.updateTable("services")
        .set({ interval_count: before.count + groupInserted, interval_coverage: JSON.stringify(union(before.coverage, batch)) })
        .where("uid", "=", g.service)
        .execute()
    }
  }
  return { inserted, changed }
}

interface PageRow {
  interval_start: number | string
  interval_end: number | string
  kwh: number | null
  kw: number | null
  quality: number
  updated: number | string
  utility: string
  utility_service_id: string | null
  utility_tariff_name: string | null
  utility_service_address: string | null
  utility_meter_number: string | null
  source: string | null
}

const pageSql = (dialect: Dialect) => {
  const p = (n: number) => (dialect === "sqlite" ? "?" : `$${n}`)
  return `select i.interval_start, i.interval_end, i.kwh, i.kw, i.quality, i.updated, p.utility, p.utility_service_id,
      p.utility_tariff_name, p.utility_service_address, p.utility_meter_number, p.source
    from intervals i join provenance p on p.id = i.provenance_id
    where i.service_uid = ${p(1)} and i.flow = ${p(2)} and i.interval_start >= ${p(3)} and i.interval_start < ${p(4)}
    order by i.interval_start limit ${PAGE}`
}

/** One page of readings with `from <= start < to`; the next page starts after the last start returned. */
export const intervalPage = async (
  db: Kysely<Database>,
  dialect: Dialect,
  serviceUid: string,
  flow: Store.IntervalRecord["flow"],
  from: number,
  to: number
): Promise<{ rows: Array<Store.IntervalRecord>; next: number | undefined }> => {
  const raw = await run<PageRow>(db, pageSql(dialect), [serviceUid, flowCode(flow), from, to])
  const rows = raw.map((r): Store.IntervalRecord => ({
    service_uid: serviceUid,
    utility: r.utility,
    interval_start: Number(r.interval_start),
    interval_end: Number(r.interval_end),
    interval_kWh: r.kwh,
    interval_kW: r.kw,
    flow,
    quality: QUALITIES[r.quality]!,
    utility_service_id: r.utility_service_id,
    utility_tariff_name: r.utility_tariff_name,
    utility_service_address: r.utility_service_address,
    utility_meter_number: r.utility_meter_number,
    source: r.source,
    updated: Number(r.updated)
  }))
  const next = rows.length === PAGE ? rows[rows.length - 1]!.interval_start + 1 : undefined
  return { rows, next }
}

export { FLOWS }
