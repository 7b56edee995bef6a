/** `DATABASE_URL` on Bun: SQLite through bun:sqlite, PostgreSQL through `pg` (which runs on Bun as is). */
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import { opsOf } from "../server/storeOps.ts"
import type { DatabaseTarget } from "../server/databaseUrl.ts"
import type { OpenedStore } from "../node/openStore.ts"
import { openBunSqlite } from "./sqlite.ts"

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind === "sqlite") {
    if (target.path !== ":memory:") await mkdir(dirname(target.path), { recursive: true })
    // Lookups by key (each request's token, the service or account it names) on a connection of their own, as on Node.
    const { db, reader, close } = openBunSqlite(target.path)
    return {
      store: KyselyStore.make(db, { dialect: "sqlite", ...(reader === undefined ? {} : { reader }) }),
      describe: `SQLite ${target.path} (bun:sqlite)`,
      migrate: async () => void (await migrate(db)),
      close,
      ops: opsOf(db)
    }
  }
  const { openPostgres } = await import("@meterbridge/store-kysely/postgres")
  const db = openPostgres(target.url)
  return { store: KyselyStore.make(db, { dialect: "postgres" }), describe: "PostgreSQL", migrate: async () => void (await migrate(db)), close: () => db.destroy(), ops: opsOf(db) }
}
