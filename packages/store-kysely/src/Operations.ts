/**
 * What operators ask of the database beside the Store: whether every
 * migration is applied, and whether collection workers are alive. Workers
 * write a heartbeat row every few seconds (`beat`); an API process's
 * readiness reads the newest (`lastBeat`). Several processes share one
 * database, so this lives in it rather than in any process.
 */
import type { Kysely } from "kysely"
import type { Database } from "./Database.ts"
import { migrator } from "./migrations.ts"

/** Names of migrations this code knows and the database has not applied. */
export const pendingMigrations = async (db: Kysely<Database>): Promise<ReadonlyArray<string>> =>
  (await (await migrator(db)).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name)

export const beat = async (db: Kysely<Database>, workerId: string, nowMs: number): Promise<void> => {
  await db.insertInto("worker_heartbeats").values({ worker_id: workerId, beat: nowMs })
    .onConflict((oc) => oc.column("worker_id").doUpdateSet({ beat: nowMs })).execute()
}

/** A worker that stops cleanly says so, so readiness does not wait for its heartbeat to age. */
export const leave = async (db: Kysely<Database>, workerId: string): Promise<void> => {
  await db.deleteFrom("worker_heartbeats").where("worker_id", "=", workerId).execute()
}

/** The newest heartbeat (ms since the epoch) and how many workers beat since `sinceMs`. */
export const lastBeat = async (db: Kysely<Database>, sinceMs: number): Promise<{ readonly newest: number | undefined; readonly alive: number }> => {
  const rows = await db.selectFrom("worker_heartbeats").select("beat").execute()
  const beats = rows.map((r) => Number(r.beat))
  return { newest: beats.length === 0 ? undefined : Math.max(...beats), alive: beats.filter((b) => b >= sinceMs).length }
}
