/**
 * Ingest benchmark: a year of 15-minute readings for one service (35,040
 * rows) through `store.upsertIntervals` (one transaction), against a raw
 * better-sqlite3 prepared-statement upsert loop into an equivalent table in
 * one transaction, same pragmas, same run. Prints rows/s and the ratio.
 * Also: re-ingest (all unchanged), corrections (all changed), inline vs
 * referenced provenance, the cost of reading a service with its figures, and PostgreSQL
 * when MB_TEST_POSTGRES_URL is set.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Store } from "@meterbridge/core"
import { Effect } from "effect"
import { KyselyStore, migrate } from "../src/index.ts"
import { openSqlite, openSqliteDatabase } from "../src/sqlite.ts"

const ROWS = 35_040
const REPEAT = 5
const T0 = 1_704_067_200_000_000
const QUARTER = 900_000_000
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

const year = (serviceUid: string, bump = 0): Array<Store.IntervalRecord> =>
  Array.from({ length: ROWS }, (_, i) => ({
    service_uid: serviceUid,
    utility: "DEMO",
    interval_start: T0 + i * QUARTER,
    interval_end: T0 + (i + 1) * QUARTER,
    interval_kWh: 0.2 + ((i * 7919) % 1000) / 1000 + bump,
    interval_kW: null,
    flow: "delivered",
    quality: "actual",
    utility_service_id: "SVC-1",
    utility_tariff_name: "E-TOU-C",
    utility_service_address: "123 Main St, Springfield",
    utility_meter_number: "1009384756",
    source: "greenbutton",
    updated: T0
  }))

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = async (f: () => Promise<unknown> | unknown) => {
  const t = performance.now()
  await f()
  return performance.now() - t
}
const rate = (ms: number) => `${Math.round(ROWS / (ms / 1000)).toLocaleString("en-US")} rows/s (${ms.toFixed(1)} ms)`

const dir = mkdtempSync(join(tmpdir(), "mb-bench-"))
let files = 0
const path = () => join(dir, `bench-${++files}.db`)

const seedService = async (store: Store.StoreShape) => {
  await run(store.createAccount({
    uid: "a1", user_uid: "u1", utility: "DEMO", created: T0, auth_type: "owner", auth: "x", auth_expires: null,
    login: "credentials", latest: null, sealed_grant: "g", authorization_ref: null, authorization_url: null, ...Store.v1AccountFields
  }))
  await run(store.upsertService({
    uid: "s1", user_uid: "u1", account_uid: "a1", utility: "DEMO", created: T0, active_until: null, latest: null,
    last_collected: null, ...Store.v1ServiceFields, utility_service_id: "SVC-1", utility_tariff_name: null, utility_service_address: null,
    utility_billing_account: null, utility_billing_contact: null, utility_billing_address: null, utility_meter_number: null
  }))
  await run(store.createUser({ uid: "u1", email: "u1@example.com", password_hash: null, created: T0 }))
}

/** The store: first ingest, re-ingest unchanged, re-ingest all corrected, and service reads. */
const storeRun = async (sync: "FULL" | "NORMAL") => {
  const db = openSqlite(path(), { synchronous: sync })
  await migrate(db)
  const store = KyselyStore.make(db, { dialect: "sqlite" })
  await seedService(store)
  const rows = year("s1")
  const corrected = year("s1", 0.5)
  const first = await time(() => run(store.upsertIntervals(rows)))
  const again = await time(() => run(store.upsertIntervals(rows)))
  const changed = await time(() => run(store.upsertIntervals(corrected)))
  const reads = 2000
  const view = await time(async () => { for (let i = 0; i < reads; i++) await run(store.getService("s1")) })
  const user = await time(async () => { for (let i = 0; i < reads; i++) await run(store.getUser("u1")) })
  await db.destroy()
  return { first, again, changed, viewPerSec: reads / (view / 1000), userPerSec: reads / (user / 1000) }
}

/** The baseline: a prepared upsert per row in one better-sqlite3 transaction; `inline` keeps provenance in each row. */
const rawRun = (sync: "FULL" | "NORMAL", inline: boolean) => {
  const db = openSqliteDatabase(path(), { synchronous: sync })
  const provenanceColumns = inline
    ? "utility text, utility_service_id text, utility_tariff_name text, utility_service_address text, utility_meter_number text, source text"
    : "provenance_id integer"
  db.exec(`create table raw_intervals (service_uid text not null, flow integer not null, interval_start integer not null,
    interval_end integer not null, kwh real, kw real, quality integer not null, ${provenanceColumns}, updated integer not null,
    revision integer not null default 0, primary key (service_uid, flow, interval_start)) without rowid`)
  const provenanceValues = inline ? "?, ?, ?, ?, ?, ?" : "?"
  const provenanceSet = inline
    ? "utility = excluded.utility, utility_service_id = excluded.utility_service_id, utility_tariff_name = excluded.utility_tariff_name, utility_service_address = excluded.utility_service_address, utility_meter_number = excluded.utility_meter_number, source = excluded.source"
    : "provenance_id = excluded.provenance_id"
  const provenanceDiffers = inline
    ? "raw_intervals.utility is not excluded.utility or raw_intervals.utility_service_id is not excluded.utility_service_id or raw_intervals.utility_tariff_name is not excluded.utility_tariff_name or raw_intervals.utility_service_address is not excluded.utility_service_address or raw_intervals.utility_meter_number is not excluded.utility_meter_number or raw_intervals.source is not excluded.source"
    : "raw_intervals.provenance_id is not excluded.provenance_id"
  const upsert = db.prepare(`insert into raw_intervals values (?, ?, ?, ?, ?, ?, ?, ${provenanceValues}, ?, 0)
    on conflict (service_uid, flow, interval_start) do update set interval_end = excluded.interval_end, kwh = excluded.kwh,
    kw = excluded.kw, quality = excluded.quality, ${provenanceSet}, updated = excluded.updated, revision = raw_intervals.revision + 1
    where raw_intervals.interval_end <> excluded.interval_end or raw_intervals.kwh is not excluded.kwh or raw_intervals.kw is not excluded.kw
      or raw_intervals.quality <> excluded.quality or ${provenanceDiffers}`)
  const ingest = db.transaction((rows: Array<Store.IntervalRecord>) => {
    for (const r of rows) {
      const provenance = inline
        ? [r.utility, r.utility_service_id, r.utility_tariff_name, r.utility_service_address, r.utility_meter_number, r.source]
        : [1]
      upsert.run(r.service_uid, 0, r.interval_start, r.interval_end, r.interval_kWh, r.interval_kW ?? null, 0, ...provenance, r.updated)
    }
  })
  const rows = year("s1")
  const first = performance.now()
  ingest(rows)
  const firstMs = performance.now() - first
  const again = performance.now()
  ingest(rows)
  const againMs = performance.now() - again
  db.close()
  return { first: firstMs, again: againMs }
}

const sqliteFigures = async (sync: "FULL" | "NORMAL") => {
  const store = []
  const raw = []
  const wide = []
  for (let i = 0; i < REPEAT; i++) {
    store.push(await storeRun(sync))
    raw.push(rawRun(sync, false))
    wide.push(rawRun(sync, true))
  }
  const s = { first: median(store.map((x) => x.first)), again: median(store.map((x) => x.again)), changed: median(store.map((x) => x.changed)) }
  const r = { first: median(raw.map((x) => x.first)), again: median(raw.map((x) => x.again)) }
  const w = { first: median(wide.map((x) => x.first)), again: median(wide.map((x) => x.again)) }
  console.log(`\nSQLite, synchronous=${sync}, ${ROWS.toLocaleString("en-US")} rows, median of ${REPEAT}`)
  console.log(`  store.upsertIntervals, new rows:       ${rate(s.first)}`)
  console.log(`  raw prepared upsert loop, new rows:    ${rate(r.first)}`)
  console.log(`  ratio store / raw (target >= 50 %):    ${((r.first / s.first) * 100).toFixed(0)} %`)
  console.log(`  store re-ingest, all unchanged:        ${rate(s.again)}`)
  console.log(`  raw re-ingest, all unchanged:          ${rate(r.again)}`)
  console.log(`  ratio store / raw, unchanged:          ${((r.again / s.again) * 100).toFixed(0)} %`)
  console.log(`  store re-ingest, all corrected:        ${rate(s.changed)}`)
  console.log(`  raw loop with inline provenance:       ${rate(w.first)}  (referenced provenance is ${(w.first / r.first).toFixed(2)}x as fast)`)
  const views = median(store.map((x) => x.viewPerSec))
  const users = median(store.map((x) => x.userPerSec))
  console.log(`  getService on a 35,040-row service:    ${Math.round(views).toLocaleString("en-US")}/s vs getUser ${Math.round(users).toLocaleString("en-US")}/s (${((views / users) * 100).toFixed(0)} %)`)
}

const postgresFigures = async (url: string) => {
  const { openPostgres } = await import("../src/postgres.ts")
  const pg = (await import("pg")).default
  const schema = `mb_bench_${process.pid}`
  const admin = new pg.Pool({ connectionString: url, max: 1 })
  await admin.query(`create schema ${schema}`)
  try {
    const db = openPostgres(url, { options: `-c search_path=${schema}` })
    await migrate(db)
    const store = KyselyStore.make(db, { dialect: "postgres" })
    await seedService(store)
    const rows = year("s1")
    const first = await time(() => run(store.upsertIntervals(rows)))
    const again = await time(() => run(store.upsertIntervals(rows)))
    await db.destroy()
    // Baseline: a prepared per-row upsert in one transaction over one pg connection.
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
    await client.connect()
    await client.query(`create table raw_intervals (service_uid text not null, flow integer not null, interval_start bigint not null,
      interval_end bigint not null, kwh double precision, kw double precision, quality integer not null, provenance_id bigint,
      updated bigint not null, revision integer not null default 0, primary key (service_uid, flow, interval_start))`)
    const raw = await time(async () => {
      await client.query("begin")
      for (const r of rows) {
        await client.query({
          name: "raw-upsert",
          text: `insert into raw_intervals values ($1, 0, $2, $3, $4, $5, 0, 1, $6, 0) on conflict (service_uid, flow, interval_start)
            do update set kwh = excluded.kwh where raw_intervals.kwh is distinct from excluded.kwh`,
          values: [r.service_uid, r.interval_start, r.interval_end, r.interval_kWh, null, r.updated]
        })
      }
      await client.query("commit")
    })
    await client.end()
    console.log(`\nPostgreSQL (${ROWS.toLocaleString("en-US")} rows, one run)`)
    console.log(`  store.upsertIntervals, new rows:       ${rate(first)}`)
    console.log(`  raw prepared per-row upsert loop:      ${rate(raw)}`)
    console.log(`  ratio store / raw:                     ${((raw / first) * 100).toFixed(0)} %`)
    console.log(`  store re-ingest, all unchanged:        ${rate(again)}`)
  } finally {
    await admin.query(`drop schema ${schema} cascade`)
    await admin.end()
  }
}

try {
  await sqliteFigures("FULL")
  await sqliteFigures("NORMAL")
  const url = process.env.MB_TEST_POSTGRES_URL
  if (url) await postgresFigures(url)
  else console.log("\nPostgreSQL: set MB_TEST_POSTGRES_URL for its figures")
} finally {
  rmSync(dir, { recursive: true, force: true })
}
