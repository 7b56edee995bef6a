/**
 * The Store on Workers: the Kysely PostgreSQL store over `pg` (nodejs_compat,
 * TCP through `cloudflare:sockets`), reached through Hyperdrive in production
 * and straight to PostgreSQL under `wrangler dev`. PostgreSQL rather than D1
 * or Durable Object SQLite because the Kysely store and its conformance suite
 * apply unchanged, and the same database serves the Node and Bun servers.
 *
 * A Worker may not use a socket opened while serving another request, and
 * `pg.Pool` hands a freed slot to whichever request waits (in the context of
 * the one that freed it), so there is no pool here: each Kysely connection is
 * a new `pg.Client`, ended when released. Hyperdrive keeps the real pool next
 * to the database, which makes a connection per use cheap.
 */
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import type { Database } from "@meterbridge/store-kysely"
import { opened, type OpenedStore } from "../server/storeOps.ts"

/** A Kysely whose every connection is a new `pg.Client`, ended when released. */
export const openPerUse = (connectionString: string): Kysely<Database> => {
  const pool = {
    connect: async () => {
      const client = new pg.Client({ connectionString })
      await client.connect()
      return Object.assign(client, { release: () => void client.end().catch(() => undefined) })
    },
    end: async () => undefined,
    options: {}
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

export const openStore = (connectionString: string): OpenedStore =>
  opened(openPerUse(connectionString), { dialect: "postgres", describe: "PostgreSQL" })
