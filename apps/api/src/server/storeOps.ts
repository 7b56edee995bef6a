/**
 * A Kysely Store as each runtime's entrypoint opens it (node/, bun/, workers/
 * openStore.ts differ only in the driver): the Store, its migrations, and
 * readiness and worker heartbeats (see store-kysely's Operations).
 */
import type { Kysely } from "kysely"
import type { Store } from "@meterbridge/core"
import { type Database, KyselyStore, migrate, Operations } from "@meterbridge/store-kysely"

export interface StoreOps {
  readonly pendingMigrations: () => Promise<ReadonlyArray<string>>
  readonly beat: (workerId: string, nowMs: number) => Promise<void>
  readonly leave: (workerId: string) => Promise<void>
  readonly lastBeat: (sinceMs: number) => Promise<{ readonly newest: number | undefined; readonly alive: number }>
}

export interface OpenedStore {
  readonly store: Store.StoreShape
  /** For the startup line, e.g. `SQLite ./data/meterbridge.db`. */
  readonly describe: string
  readonly migrate: () => Promise<void>
  readonly close: () => Promise<void>
  readonly ops: StoreOps
}

export const opsOf = (db: Kysely<Database>): StoreOps => ({
  pendingMigrations: () => Operations.pendingMigrations(db),
  beat: (id, now) => Operations.beat(db, id, now),
  leave: (id) => Operations.leave(db, id),
  lastBeat: (since) => Operations.lastBeat(db, since)
})

export const opened = (
  db: Kysely<Database>,
  options: KyselyStore.Options & { readonly describe: string; readonly close?: () => Promise<void> }
): OpenedStore => {
  const { describe, close, ...store } = options
  return {
    store: KyselyStore.make(db, store),
    describe,
    migrate: async () => void (await migrate(db)),
    close: close ?? (() => db.destroy()),
    ops: opsOf(db)
  }
}
