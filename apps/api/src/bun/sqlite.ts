/**
 * The Store's SQLite on Bun: `bun:sqlite` behind Kysely's SQLite dialect
 * (better-sqlite3 is a V8 addon Bun cannot load). Same pragmas as Node's
 * (`@meterbridge/store-kysely/sqlite`): WAL, synchronous=FULL, foreign keys,
 * a busy timeout — the durability the README promises holds on either runtime.
 */
import { Database } from "bun:sqlite"
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely"
import type { Database as Schema } from "@meterbridge/store-kysely"

/** Kysely passes parameters as one array; bun:sqlite takes them spread. */
const statement = (db: Database, text: string): SqliteStatement => {
  const s = db.prepare(text)
  return {
    reader: s.columnNames.length > 0,
    all: (params) => s.all(...params),
    run: (params) => {
      const { changes, lastInsertRowid } = s.run(...params)
      return { changes, lastInsertRowid }
    },
    // A statement being iterated (a Kysely stream) is busy: a stream gets its own.
    iterate: (params) => db.prepare(text).iterate(...params)
  }
}

export const openBunSqlite = (path: string): Kysely<Schema> => {
  const db = new Database(path, { create: true, strict: true })
  db.exec("pragma journal_mode = WAL")
  db.exec("pragma synchronous = FULL")
  db.exec("pragma foreign_keys = ON")
  db.exec("pragma busy_timeout = 5000")
  // Prepared statements are cached by SQL text, as Node's driver does, because preparing costs more than a small query.
  const cache = new Map<string, SqliteStatement>()
  const database: SqliteDatabase = {
    close: () => db.close(),
    prepare: (text) => {
      let s = cache.get(text)
      if (s === undefined) {
        s = statement(db, text)
        cache.set(text, s)
        if (cache.size > 200) cache.delete(cache.keys().next().value!)
      }
      return s
    }
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database }) })
}
