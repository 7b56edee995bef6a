import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as StoreSuite from "@meterbridge/testkit/store"
import { afterAll, assert, describe, it } from "vitest"
import { KyselyStore, migrate } from "../src/index.ts"
import { readerSuite } from "./readerSuite.ts"
import { cachingStatements, openSqlite, openSqliteConnections, openSqliteDatabase, settings } from "../src/sqlite.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

StoreSuite.suite("sqlite", async () => {
  const path = join(dir, `store-${++n}.db`)
  const db = openSqlite(path)
  await migrate(db)
  return { store: KyselyStore.make(db, { dialect: "sqlite" }), close: () => db.destroy() }
})

// The same suite with lookups by key on a second connection, as `pnpm start` opens it.
StoreSuite.suite("sqlite with a reader connection", async () => {
  const { db, reader, close } = openSqliteConnections(join(dir, `store-${++n}.db`))
  await migrate(db)
  return { store: KyselyStore.make(db, { dialect: "sqlite", ...(reader === undefined ? {} : { reader }) }), close }
})

readerSuite("better-sqlite3", async () => {
  const path = join(dir, `store-${++n}.db`)
  const { db, reader, close } = openSqliteConnections(path)
  const elsewhere = (text: string) => {
    const other = openSqliteDatabase(path)
    try {
      other.prepare(text).run()
    } finally {
      other.close()
    }
  }
  return { db, reader: reader!, elsewhere, close }
})

describe("SQLite reader connection", () => {
  it("is not opened for an in-memory database (another connection would be another database)", async () => {
    const { reader, close } = openSqliteConnections(":memory:")
    assert.strictEqual(reader, undefined)
    await close()
  })
})

describe("SQLite setup", () => {
  it("applies the durability pragmas and migrates idempotently", async () => {
    const db = openSqlite(join(dir, "pragmas.db"))
    try {
      const first = await migrate(db)
      const second = await migrate(db)
      assert.deepStrictEqual(first.results?.map((r) => r.status), ["Success", "Success", "Success", "Success", "Success"])
      assert.deepStrictEqual(second.results, [])
      assert.deepStrictEqual(await settings(db), { journal_mode: "wal", synchronous: "FULL", foreign_keys: true, busy_timeout: 5000 })
      const relaxed = openSqlite(join(dir, "pragmas.db"), { synchronous: "NORMAL", busyTimeoutMs: 250 })
      assert.deepStrictEqual(await settings(relaxed), { journal_mode: "wal", synchronous: "NORMAL", foreign_keys: true, busy_timeout: 250 })
      await relaxed.destroy()
    } finally {
      await db.destroy()
    }
  })

  it("reuses prepared statements, but never one that is still being iterated", () => {
    const database = cachingStatements(openSqliteDatabase(":memory:"), 2)
    try {
      const text = "select value from json_each('[1,2,3]') order by value"
      const first = database.prepare(text)
      assert.strictEqual(database.prepare(text), first, "cached")
      const iterator = first.iterate([])
      assert.deepStrictEqual(iterator.next().value, { value: 1 })
      const second = database.prepare(text)
      assert.notStrictEqual(second, first, "the busy statement is not handed out")
      assert.deepStrictEqual(second.all([]), [{ value: 1 }, { value: 2 }, { value: 3 }])
      assert.deepStrictEqual([...iterator], [{ value: 2 }, { value: 3 }])
      database.prepare("select 1")
      database.prepare("select 2")
      assert.notStrictEqual(database.prepare(text), second, "evicted beyond the cache size")
    } finally {
      database.close()
    }
  })
})
