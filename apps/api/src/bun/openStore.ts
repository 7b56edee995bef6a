/** `DATABASE_URL` on Bun: SQLite through bun:sqlite; PostgreSQL through `pg`, which runs on Bun as is (node/openStore.ts). */
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import type { DatabaseTarget } from "../server/databaseUrl.ts"
import { opened, type OpenedStore } from "../server/storeOps.ts"
import { openStore as openOnNode } from "../node/openStore.ts"
import { openBunSqlite } from "./sqlite.ts"

export const openStore = async (target: DatabaseTarget): Promise<OpenedStore> => {
  if (target.kind !== "sqlite") return openOnNode(target)
  if (target.path !== ":memory:") await mkdir(dirname(target.path), { recursive: true })
  // Lookups by key (each request's token, the service or account it names) on a connection of their own, as on Node.
  const { db, reader, close } = openBunSqlite(target.path)
  return opened(db, { dialect: "sqlite", describe: `SQLite ${target.path} (bun:sqlite)`, close, ...(reader === undefined ? {} : { reader }) })
}
