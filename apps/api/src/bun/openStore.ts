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
  return opened(openBunSqlite(target.path), { dialect: "sqlite", describe: `SQLite ${target.path} (bun:sqlite)` })
}
