/**
 * Opens the Store at `DATABASE_URL` through `@meterbridge/store-kysely`
 * (better-sqlite3, or `pg`), creating the SQLite file's folder. Bun opens
 * PostgreSQL here too (bun/openStore.ts).
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import type { DatabaseTarget } from "../server/databaseUrl.ts"
import { opened, type OpenedStore } from "../server/storeOps.ts"

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind === "sqlite") {
    if (target.path !== ":memory:") mkdirSync(dirname(target.path), { recursive: true })
    const { openSqliteConnections } = await import("@meterbridge/store-kysely/sqlite")
    // Lookups by key (each request's token, the service or account it names) on a connection of their own.
    const { db, reader, close } = openSqliteConnections(target.path)
    return opened(db, { dialect: "sqlite", describe: `SQLite ${target.path}`, close, ...(reader === undefined ? {} : { reader }) })
  }
  const { openPostgres } = await import("@meterbridge/store-kysely/postgres")
  return opened(openPostgres(target.url), { dialect: "postgres", describe: "PostgreSQL" })
}
