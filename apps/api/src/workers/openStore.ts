/**
 * The Store on Workers: the Kysely PostgreSQL store over `pg` (nodejs_compat,
 * TCP through `cloudflare:sockets`), reached through Hyperdrive in production
 * and straight to PostgreSQL under `wrangler dev`. PostgreSQL rather than D1
 * or Durable Object SQLite because the Kysely store and its conformance suite
 * apply unchanged, and the same database serves the Node and Bun servers.
 *
 * A Worker may not use a socket opened while serving another request, so no
 * connection outlives its use: `maxUses: 1` closes each one when released
 * (Hyperdrive keeps the real pool next to the database, which makes a
 * connection per use cheap).
 */
import type { Kysely } from "kysely"
import type { Store } from "@meterbridge/core"
import { KyselyStore, migrate, type Database } from "@meterbridge/store-kysely"
import { openPostgres } from "@meterbridge/store-kysely/postgres"

export const openStore = (connectionString: string): { readonly store: Store.StoreShape; readonly migrate: () => Promise<void> } => {
  const db: Kysely<Database> = openPostgres(connectionString, { maxUses: 1 })
  return { store: KyselyStore.make(db, { dialect: "postgres" }), migrate: async () => void (await migrate(db)) }
}
