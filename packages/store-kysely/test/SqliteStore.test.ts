import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as StoreSuite from "@meterbridge/testkit/store"
import { afterAll, assert, describe, it, vi } from "vitest"
import { KyselyStore, migrate } from "../src/index.ts"
import { Effect } from "effect"
import { Timestamp } from "@meterbridge/core"
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

describe("SQLite reader connection", () => {
  it("answers lookups with the last committed state while a unit of work is open, and its own changes after", async () => {
    const path = join(dir, `store-${++n}.db`)
    const { db, reader, close } = openSqliteConnections(path)
    await migrate(db)
    const store = KyselyStore.make(db, { dialect: "sqlite", reader: reader! })
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
    try {
      const now = Timestamp.fromMillis(Date.UTC(2026, 0, 1))
      await run(store.createUser({ uid: "u1", email: "a@example.com", password_hash: null, created: now }))
      assert.strictEqual((await run(store.getUser("u1")))?.email, "a@example.com", "a commit is visible at once")
      let seenInside: string | undefined
      await run(store.atomically((tx) =>
        Effect.gen(function*() {
          yield* tx.createUser({ uid: "u2", email: "b@example.com", password_hash: null, created: now })
          // Outside the unit: not yet there, and the lookup does not wait for the writer.
          seenInside = (yield* store.getUser("u2"))?.email ?? "missing"
          assert.strictEqual((yield* tx.getUser("u2"))?.email, "b@example.com", "the unit reads its own write")
        })
      ))
      assert.strictEqual(seenInside, "missing")
      assert.strictEqual((await run(store.getUser("u2")))?.email, "b@example.com")
      // A unit that fails leaves nothing for the reader to see.
      await Effect.runPromise(Effect.exit(store.atomically((tx) =>
        tx.createUser({ uid: "u3", email: "c@example.com", password_hash: null, created: now }).pipe(Effect.andThen(Effect.fail("boom")))
      )))
      assert.strictEqual(await run(store.getUser("u3")), undefined)
      // A row it keeps is dropped by this process's next write...
      await run(store.updateUser("u1", { password_hash: "changed" }))
      assert.strictEqual((await run(store.getUser("u1")))?.password_hash, "changed")
      // ...and by another process's commit (seen through SQLite's data_version within about a millisecond).
      const other = openSqliteDatabase(path)
      other.prepare("update users set email = 'elsewhere@example.com' where uid = 'u1'").run()
      other.close()
      await new Promise((resolve) => setTimeout(resolve, 5))
      assert.strictEqual((await run(store.getUser("u1")))?.email, "elsewhere@example.com")
      // The reader cannot write, whatever it is handed.
      assert.throws(() => reader!.one("delete from users where uid = ? returning uid", "u1", (row) => row), /readonly/i)
    } finally {
      await close()
    }
  })

  it("drops its rows when this process commits a unit of work, without waiting for data_version", async () => {
    const { db, reader, close } = openSqliteConnections(join(dir, `store-${++n}.db`))
    await migrate(db)
    const store = KyselyStore.make(db, { dialect: "sqlite", reader: reader! })
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
    // The clock stands still, so the reader never asks data_version: only the writer's hook can drop its rows.
    const now = vi.spyOn(Date, "now").mockReturnValue(Date.now())
    try {
      const created = Timestamp.fromMillis(Date.UTC(2026, 0, 1))
      await run(store.atomically((tx) =>
        tx.createUser({ uid: "u1", email: "a@example.com", password_hash: null, created }).pipe(
          // Read outside the unit after its last write: the reader keeps "missing" until the commit drops it.
          Effect.andThen(store.getUser("u1")),
          Effect.tap((seen) => Effect.sync(() => assert.strictEqual(seen, undefined)))
        )
      ))
      assert.strictEqual((await run(store.getUser("u1")))?.email, "a@example.com")
    } finally {
      now.mockRestore()
      await close()
    }
  })

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
