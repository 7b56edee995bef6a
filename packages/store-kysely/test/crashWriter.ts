/**
 * The child of the crash test: writes overlapping two-week batches of
 * readings through the Store, one transaction each, and prints "ack <k>"
 * after batch k commits, until it is killed. Batch k covers days
 * [7k, 7k + 14) and every reading in it has kWh = k + (index in batch) / 10⁶,
 * so the parent can tell which batch wrote each row.
 */
import { Effect } from "effect"
import { sql } from "kysely"
import { KyselyStore } from "../src/index.ts"
import { openSqlite } from "../src/sqlite.ts"

const [path, serviceUid] = process.argv.slice(2) as [string, string]
export const T0 = 1_704_067_200_000_000
const QUARTER = 900_000_000
const DAY = 86_400_000_000

const db = openSqlite(path)
const store = KyselyStore.make(db, { dialect: "sqlite" })
const last = await sql<{ k: number | null }>`select max(cast(kwh as integer)) as k from intervals`.execute(db)
for (let k = (last.rows[0]?.k ?? -1) + 1;; k++) {
  const from = T0 + 7 * k * DAY
  const rows = Array.from({ length: 14 * 96 }, (_, i) => ({
    service_uid: serviceUid,
    utility: "DEMO",
    interval_start: from + i * QUARTER,
    interval_end: from + (i + 1) * QUARTER,
    interval_kWh: k + i / 1_000_000,
    flow: "delivered" as const,
    quality: "actual" as const,
    utility_service_id: "SVC-1",
    utility_tariff_name: "E-1",
    utility_service_address: null,
    utility_meter_number: null,
    source: "crash",
    updated: from
  }))
  await Effect.runPromise(store.upsertIntervals(rows))
  process.stdout.write(`ack ${k}\n`)
}
