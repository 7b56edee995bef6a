/**
 * The Store as the Workers entrypoint builds it (a connection per use, no
 * pool) passes the Store conformance suite. Here `pg` runs on Node's sockets;
 * in workerd on `cloudflare:sockets`, which the runtime suite covers.
 */
import * as StoreSuite from "@meterbridge/testkit/store"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import pg from "pg"
import { afterAll, beforeAll, describe } from "vitest"
import { openPerUse } from "../src/workers/openStore.ts"

const url = process.env["MB_TEST_POSTGRES_URL"]

describe.skipIf(url === undefined)("the Workers Store (PostgreSQL, a connection per use)", () => {
  // A database of its own: Kysely's migrator looks for its tables in every schema of the database, so other
  // runs' schemas in a shared one would confuse it. Within it, each store gets a schema.
  const database = `mb_workers_store_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Pool({ connectionString: url, max: 1 })
  const at = new URL(url ?? "postgres://localhost")
  at.pathname = `/${database}`
  const inDatabase = new pg.Pool({ connectionString: at.toString(), max: 1 })
  beforeAll(() => admin.query(`create database ${database}`))
  afterAll(async () => {
    await inDatabase.end()
    await admin.query(`drop database if exists ${database} with (force)`)
    await admin.end()
  })
  let n = 0

  StoreSuite.suite("workers-postgres", async () => {
    const schema = `s${++n}`
    await inDatabase.query(`create schema ${schema}`)
    const connection = new URL(at)
    connection.searchParams.set("options", `-c search_path=${schema}`)
    const db = openPerUse(connection.toString())
    await migrate(db)
    return {
      store: KyselyStore.make(db, { dialect: "postgres" }),
      close: async () => {
        await db.destroy()
        await inDatabase.query(`drop schema ${schema} cascade`)
      }
    }
  })
})
