/** Readiness and worker heartbeats over a Kysely Store (see store-kysely's Operations), the same on Node and Bun. */
import type { Kysely } from "kysely"
import { type Database, Operations } from "@meterbridge/store-kysely"

export interface StoreOps {
  readonly pendingMigrations: () => Promise<ReadonlyArray<string>>
  readonly beat: (workerId: string, nowMs: number) => Promise<void>
  readonly leave: (workerId: string) => Promise<void>
  readonly lastBeat: (sinceMs: number) => Promise<{ readonly newest: number | undefined; readonly alive: number }>
}

export const opsOf = (db: Kysely<Database>): StoreOps => ({
  pendingMigrations: () => Operations.pendingMigrations(db),
  beat: (id, now) => Operations.beat(db, id, now),
  leave: (id) => Operations.leave(db, id),
  lastBeat: (since) => Operations.lastBeat(db, since)
})
