/**
 * Opens the Store at `DATABASE_URL` through `@meterbridge/store-kysely`,
 * creating the SQLite file's folder, and runs migrations when asked.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import type { Store } from "@meterbridge/core"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import { opsOf, type StoreOps } from "../server/storeOps.ts"
import type { DatabaseTarget } from "../server/databaseUrl.ts"

export interface OpenedStore {
  readonly store: Store.StoreShape
  readonly describe: string
  readonly migrate: () => Promise<void>
  readonly close: () => Promise<void>
  /** Readiness and worker heartbeats (see store-kysely's Operations). */
  readonly ops: StoreOps
}

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind === "sqlite") {
    if (target.path !== ":memory:") mkdirSync(dirname(target.path), { recursive: true })
    const { openSqliteConnections } = await import("@meterbridge/store-kysely/sqlite")
    // Lookups by key (each request's token, the service or account it names) on a connection of their own.
    const { db, reader, close } = openSqliteConnections(target.path)
    return {
      store: KyselyStore.make(db, { dialect: "sqlite", ...(reader === undefined ? {} : { reader }) }),
      describe: `SQLite ${target.path}`,
      migrate: async () => void (await migrate(db)),
      close,
      ops: opsOf(db)
    }
  }
  const { openPostgres } = await import("@meterbridge/store-kysely/postgres")
  const db = openPostgres(target.url)
  return {
    store: KyselyStore.make(db, { dialect: "postgres" }),
    describe: "PostgreSQL",
    migrate: async () => void (await migrate(db)),
    close: () => db.destroy(),
    ops: opsOf(db)
  }
}
