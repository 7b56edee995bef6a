/**
 * What the SQLite reader connection (`SqliteReader`) promises, whatever the
 * driver: Node's better-sqlite3 (SqliteStore.test.ts) and Bun's bun:sqlite
 * (apps/api test/bun/sqliteStore.test.ts, run on Bun) each run it.
 */
import { Timestamp } from "@meterbridge/core"
import { Effect } from "effect"
import type { Kysely } from "kysely"
import { assert, describe, it, vi } from "vitest"
import type { Database } from "../src/Database.ts"
import * as KyselyStore from "../src/KyselyStore.ts"
import { migrate } from "../src/migrations.ts"

export interface ReaderHarness {
  /** The writer over a new database file, and the reader on the same file, as the runtime opens them. */
  readonly db: Kysely<Database>
  readonly reader: KyselyStore.RowReader
  /** Runs `sql` on a connection of its own, as another process (a worker, the CLI) would, and closes it. */
  readonly elsewhere: (sql: string) => void
  readonly close: () => Promise<void>
}

const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const created = Timestamp.fromMillis(Date.UTC(2026, 0, 1))
const user = (uid: string, email: string) => ({ uid, email, password_hash: null, created })

const withStore = async (open: () => Promise<ReaderHarness>, body: (store: ReturnType<typeof KyselyStore.make>, harness: ReaderHarness) => Promise<void>) => {
  const harness = await open()
  try {
    await migrate(harness.db)
    await body(KyselyStore.make(harness.db, { dialect: "sqlite", reader: harness.reader }), harness)
  } finally {
    await harness.close()
  }
}

export const readerSuite = (name: string, open: () => Promise<ReaderHarness>) =>
  describe(`SQLite reader connection (${name})`, () => {
    it("answers lookups with the last committed state while a unit of work is open, and this process's commits at once", async () => {
      // The clock stands still, so the reader never asks data_version: only the writer's statements can drop its rows.
      const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now())
      try {
        await withStore(open, async (store) => {
          await run(store.createUser(user("u1", "a@example.com")))
          assert.strictEqual((await run(store.getUser("u1")))?.email, "a@example.com", "a write is visible at once")
          let seenInside: string | undefined
          await run(store.atomically((tx) =>
            Effect.gen(function*() {
              yield* tx.createUser(user("u2", "b@example.com"))
              // Outside the unit, after its last write: not yet there, and the lookup does not wait for the writer.
              seenInside = (yield* store.getUser("u2"))?.email ?? "missing"
              assert.strictEqual((yield* tx.getUser("u2"))?.email, "b@example.com", "the unit reads its own write")
            })
          ))
          assert.strictEqual(seenInside, "missing")
          assert.strictEqual((await run(store.getUser("u2")))?.email, "b@example.com", "the unit's commit is visible at once")
          // A unit that fails leaves nothing for the reader to see.
          await Effect.runPromise(Effect.exit(store.atomically((tx) => tx.createUser(user("u3", "c@example.com")).pipe(Effect.andThen(Effect.fail("boom"))))))
          assert.strictEqual(await run(store.getUser("u3")), undefined)
          // A row it keeps is dropped by this process's next write.
          await run(store.updateUser("u1", { password_hash: "changed" }))
          assert.strictEqual((await run(store.getUser("u1")))?.password_hash, "changed")
        })
      } finally {
        clock.mockRestore()
      }
    })

    it("sees another process's commit within a few milliseconds (SQLite's data_version)", async () => {
      await withStore(open, async (store, { elsewhere }) => {
        await run(store.createUser(user("u1", "a@example.com")))
        assert.strictEqual((await run(store.getUser("u1")))?.email, "a@example.com")
        elsewhere("update users set email = 'elsewhere@example.com' where uid = 'u1'")
        await new Promise((resolve) => setTimeout(resolve, 5))
        assert.strictEqual((await run(store.getUser("u1")))?.email, "elsewhere@example.com")
      })
    })

    it("cannot write, whatever it is handed", async () => {
      await withStore(open, async (store, { reader }) => {
        await run(store.createUser(user("u1", "a@example.com")))
        assert.throws(() => reader.one("delete from users where uid = ? returning uid", "u1", (row) => row), /readonly/i)
        assert.strictEqual((await run(store.getUser("u1")))?.email, "a@example.com")
      })
    })
  })
