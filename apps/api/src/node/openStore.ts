/**
 * Opens the Store at `DATABASE_URL` through `@meterbridge/store-kysely`,
 * creating the SQLite file's folder, and runs migrations when asked.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import type { Store } from "@meterbridge/core"
import * as StoreKysely from "@meterbridge/store-kysely"
import type { DatabaseTarget } from "./databaseUrl.ts"

export interface OpenedStore {
  readonly store: Store.StoreShape
  readonly describe: string
  readonly migrate: () => Promise<void>
  readonly close: () => Promise<void>
}

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind === "sqlite") {
    if (target.path !== ":memory:") mkdirSync(dirname(target.path), { recursive: true })
    const db = StoreKysely.openSqlite(target.path)
    return {
      store: StoreKysely.KyselyStore.make(db, { dialect: "sqlite" }),
      describe: `SQLite ${target.path}`,
      migrate: async () => void (await StoreKysely.migrate(db)),
      close: () => db.destroy()
    }
  }
  const db = StoreKysely.openPostgres(target.url)
  return {
    store: StoreKysely.KyselyStore.make(db, { dialect: "postgres" }),
    describe: "PostgreSQL",
    migrate: async () => void (await StoreKysely.migrate(db)),
    close: () => db.destroy()
  }
}
