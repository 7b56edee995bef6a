import * as StoreSuite from "@meterbridge/testkit/store"
import pg from "pg"
import { afterAll, assert, describe, it } from "vitest"
import { KyselyStore, migrate } from "../src/index.ts"
import { openPostgres } from "../src/postgres.ts"

const url = process.env.MB_TEST_POSTGRES_URL

describe.skipIf(url === undefined)("PostgreSQL", () => {
  // Every store gets its own schema, dropped after: runs never see each other's rows.
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  afterAll(() => admin.end())
  const run = `mb_test_${process.pid}_${Date.now().toString(36)}`
  let n = 0

  StoreSuite.suite("postgres", async () => {
    const schema = `${run}_${++n}`
    await admin.query(`create schema ${schema}`)
    const db = openPostgres(url!, { options: `-c search_path=${schema}`, max: 4 })
    await migrate(db)
    return {
      store: KyselyStore.make(db, { dialect: "postgres" }),
      close: async () => {
        await db.destroy()
        await admin.query(`drop schema ${schema} cascade`)
      }
    }
  })

  it("migrates idempotently", async () => {
    const schema = `${run}_migrate`
    await admin.query(`create schema ${schema}`)
    const db = openPostgres(url!, { options: `-c search_path=${schema}`, max: 1 })
    try {
      assert.deepStrictEqual((await migrate(db)).results?.map((r) => r.status), ["Success", "Success", "Success", "Success", "Success"])
      assert.deepStrictEqual((await migrate(db)).results, [])
    } finally {
      await db.destroy()
      await admin.query(`drop schema ${schema} cascade`)
    }
  })
})
