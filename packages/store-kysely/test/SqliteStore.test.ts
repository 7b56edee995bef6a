import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as StoreSuite from "@meterbridge/testkit/store"
import { sql } from "kysely"
import { afterAll, assert, describe, it } from "vitest"
import { KyselyStore, migrate } from "../src/index.ts"
import { openSqlite } from "../src/sqlite.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

StoreSuite.suite("sqlite", async () => {
  const path = join(dir, `store-${++n}.db`)
  const db = openSqlite(path)
  await migrate(db)
  return { store: KyselyStore.make(db, { dialect: "sqlite" }), close: () => db.destroy() }
})

describe("SQLite setup", () => {
  it("applies the durability pragmas and migrates idempotently", async () => {
    const db = openSqlite(join(dir, "pragmas.db"))
    try {
      const first = await migrate(db)
      const second = await migrate(db)
      assert.deepStrictEqual(first.results?.map((r) => r.status), ["Success"])
      assert.deepStrictEqual(second.results, [])
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0]
      assert.strictEqual(await pragma("journal_mode"), "wal")
      assert.strictEqual(await pragma("synchronous"), 2, "FULL")
      assert.strictEqual(await pragma("foreign_keys"), 1)
      assert.strictEqual(await pragma("busy_timeout"), 5000)
    } finally {
      await db.destroy()
    }
  })
})
