/**
 * The Store on bun:sqlite as `pnpm start:bun` opens it (src/bun/sqlite.ts: a writer and a reader connection),
 * run on Bun itself by test/bunSqlite.test.ts: the Store conformance suite and the reader's promises, the same
 * suites better-sqlite3 runs on Node.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "bun:sqlite"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import * as StoreSuite from "@meterbridge/testkit/store"
import { afterAll, assert, describe, it } from "vitest"
import { readerSuite } from "../../../../packages/store-kysely/test/readerSuite.ts"
import { openBunSqlite } from "../../src/bun/sqlite.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-bun-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

describe("the runtime", () => {
  it("is Bun", () => assert.strictEqual(typeof (globalThis as { Bun?: unknown }).Bun, "object"))
})

StoreSuite.suite("bun:sqlite with a reader connection", async () => {
  const { db, reader, close } = openBunSqlite(join(dir, `store-${++n}.db`))
  assert.isDefined(reader)
  await migrate(db)
  return { store: KyselyStore.make(db, { dialect: "sqlite", ...(reader === undefined ? {} : { reader }) }), close }
})

readerSuite("bun:sqlite", async () => {
  const path = join(dir, `store-${++n}.db`)
  const { db, reader, close } = openBunSqlite(path)
  const elsewhere = (text: string) => {
    const other = new Database(path, { strict: true })
    try {
      other.exec("pragma busy_timeout = 5000")
      other.prepare(text).run()
    } finally {
      other.close()
    }
  }
  return { db, reader: reader!, elsewhere, close }
})

describe("bun:sqlite in memory", () => {
  it("has no reader connection (another connection would be another database)", async () => {
    const { reader, close } = openBunSqlite(":memory:")
    assert.strictEqual(reader, undefined)
    await close()
  })
})
