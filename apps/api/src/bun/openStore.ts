/** `DATABASE_URL` on Bun: SQLite through bun:sqlite, PostgreSQL through `pg` (which runs on Bun as is). */
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import type { Kysely } from "kysely"
import { type Database, KyselyStore, migrate, Operations } from "@meterbridge/store-kysely"
import type { DatabaseTarget } from "../server/databaseUrl.ts"
import type { OpenedStore } from "../node/openStore.ts"
import { openBunSqlite } from "./sqlite.ts"

/** Readiness and worker heartbeats, as on Node. */
const opsOf = (db: Kysely<Database>): OpenedStore["ops"] => ({
  pendingMigrations: () => Operations.pendingMigrations(db),
  beat: (id, now) => Operations.beat(db, id, now),
  leave: (id) => Operations.leave(db, id),
  lastBeat: (since) => Operations.lastBeat(db, since)
})

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind === "sqlite") {
    if (target.path !== ":memory:") await mkdir(dirname(target.path), { recursive: true })
    const db = openBunSqlite(target.path)
    return {
      store: KyselyStore.make(db, { dialect: "sqlite" }),
      describe: `SQLite ${target.path} (bun:sqlite)`,
      migrate: async () => void (await migrate(db)),
      close: () => db.destroy(),
      ops: opsOf(db)
    }
  }
  const { openPostgres } = await import("@meterbridge/store-kysely/postgres")
  const db = openPostgres(target.url)
  return { store: KyselyStore.make(db, { dialect: "postgres" }), describe: "PostgreSQL", migrate: async () => void (await migrate(db)), close: () => db.destroy(), ops: opsOf(db) }
}
