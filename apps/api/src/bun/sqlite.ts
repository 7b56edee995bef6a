/**
 * The Store's SQLite on Bun: `bun:sqlite` behind Kysely's SQLite dialect
 * (better-sqlite3 is a V8 addon Bun cannot load). Same pragmas as Node's
 * (`@meterbridge/store-kysely/sqlite`): WAL, synchronous=FULL, foreign keys,
 * a busy timeout — the durability the README promises holds on either runtime.
 * And the same two connections as Node's `openSqliteConnections`: the writer
 * Kysely, and a `query_only` reader for the lookups of one row by key, its
 * row cache being store-kysely's `SqliteReader`, as on Node.
 */
import { Database } from "bun:sqlite"
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely"
import { type Database as Schema, type KyselyStore, SqliteReader } from "@meterbridge/store-kysely"

const BUSY_TIMEOUT_MS = 5000

/**
 * Kysely passes parameters as one array; bun:sqlite takes them spread.
 * `afterWrite` runs after each statement `SqliteReader.mayChange` counts, from
 * bun:sqlite's `readonly` (SQLite's `sqlite3_stmt_readonly`) and the SQL text.
 */
const statement = (db: Database, text: string, afterWrite: (() => void) | undefined): SqliteStatement => {
  const s = db.prepare(text)
  const adapted: SqliteStatement = {
    reader: s.columnNames.length > 0,
    all: (params) => s.all(...params),
    run: (params) => {
      const { changes, lastInsertRowid } = s.run(...params)
      return { changes, lastInsertRowid }
    },
    // A statement being iterated (a Kysely stream) is busy: a stream gets its own.
    iterate: (params) => db.prepare(text).iterate(...params)
  }
  return afterWrite !== undefined && SqliteReader.mayChange(text, s.readonly) ? SqliteReader.afterEachRun(adapted, afterWrite) : adapted
}

const kysely = (db: Database, afterWrite?: () => void): Kysely<Schema> => {
  // Prepared statements are cached by SQL text, as Node's driver does, because preparing costs more than a small query.
  const cache = new Map<string, SqliteStatement>()
  const database: SqliteDatabase = {
    close: () => db.close(),
    prepare: (text) => {
      let s = cache.get(text)
      if (s === undefined) {
        s = statement(db, text, afterWrite)
        cache.set(text, s)
        if (cache.size > 200) cache.delete(cache.keys().next().value!)
      }
      return s
    }
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database }) })
}

export interface BunSqlite {
  /** Kysely over the writer connection. */
  readonly db: Kysely<Schema>
  /** The lookups of one row by key (`KyselyStore.make(db, { reader })`); none for ":memory:". */
  readonly reader: KyselyStore.RowReader | undefined
  /** Closes both connections. */
  readonly close: () => Promise<void>
}

/** The Store's connections to the SQLite database at `path` (created if missing), as Node's `openSqliteConnections`. */
export const openBunSqlite = (path: string): BunSqlite => {
  const writer = new Database(path, { create: true, strict: true })
  writer.exec("pragma journal_mode = WAL")
  writer.exec("pragma synchronous = FULL")
  writer.exec("pragma foreign_keys = ON")
  writer.exec(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`)
  // Every connection to ":memory:" is a database of its own: no reader.
  if (path === ":memory:" || path === "") {
    const db = kysely(writer)
    return { db, reader: undefined, close: () => db.destroy() }
  }
  const connection = new Database(path, { readwrite: true, create: false, strict: true })
  connection.exec("pragma query_only = ON")
  connection.exec(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`)
  const dataVersion = connection.prepare("pragma data_version")
  const { reader, forget } = SqliteReader.make({
    prepare: (text) => connection.prepare(text),
    dataVersion: () => (dataVersion.get() as { readonly data_version: number }).data_version
  })
  const db = kysely(writer, forget)
  return {
    db,
    reader,
    close: async () => {
      connection.close()
      await db.destroy()
    }
  }
}
