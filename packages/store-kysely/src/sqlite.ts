/**
 * Opens a SQLite database for the Store. WAL lets readers (API requests)
 * run beside the one writer (collection); `synchronous=FULL` syncs the WAL
 * at every commit, so a committed write survives power loss, not only a
 * process crash (see README, "Durability").
 */
import SqliteDatabase from "better-sqlite3"
import { Kysely, sql, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect } from "kysely"
import type { Database } from "./Database.ts"
import type { RowReader } from "./KyselyStore.ts"

export interface SqliteOptions {
  /** `FULL` (default) survives power loss; `NORMAL` may lose the last commits on power loss, never on a crash. */
  readonly synchronous?: "FULL" | "NORMAL"
  /** How long a writer waits for another process's lock before failing, ms. Default 5000. */
  readonly busyTimeoutMs?: number
}

/** The raw better-sqlite3 handle with Meterbridge's pragmas applied. */
export const openSqliteDatabase = (path: string, options: SqliteOptions = {}): SqliteDatabase.Database => {
  const database = new SqliteDatabase(path)
  database.pragma("journal_mode = WAL")
  database.pragma(`synchronous = ${options.synchronous ?? "FULL"}`)
  database.pragma("foreign_keys = ON")
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
  return database
}

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs more
 * than running a small query, and a 1,000-row upsert statement costs a lot.
 * This keeps the most recent statements by SQL text. A statement still
 * being iterated (a Kysely stream) is busy, so that case prepares a new one.
 */
export const cachingStatements = (database: SqliteDatabase.Database, size = 200): KyselySqliteDatabase => {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      const cached = cache.get(text)
      if (cached !== undefined && !cached.busy) {
        // Re-insert to keep the map in least-recently-used order.
        cache.delete(text)
        cache.set(text, cached)
        return cached
      }
      const statement = database.prepare(text)
      cache.set(text, statement)
      if (cache.size > size) cache.delete(cache.keys().next().value!)
      return statement
    }
  }
}

/**
 * A second connection to the database at `path` for the Store's lookups of one row by key (pass it as
 * `KyselyStore.make(db, { reader })`). It only reads (`query_only`), sees what the writer has committed, and
 * answers synchronously from a few cached statements. `undefined` for ":memory:", whose every connection is a
 * database of its own. Close it with the Kysely.
 */
export const openSqliteReader = (path: string, options: SqliteOptions = {}): (RowReader & { readonly close: () => void }) | undefined => {
  if (path === ":memory:" || path === "") return undefined
  const database = new SqliteDatabase(path, { fileMustExist: true })
  database.pragma("query_only = ON")
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    one: (text, parameters) => {
      let statement = statements.get(text)
      if (statement === undefined) {
        statement = database.prepare(text)
        // The lookups are a handful of fixed texts; the bound only guards against misuse.
        if (statements.size < 64) statements.set(text, statement)
      }
      return statement.get(...parameters)
    },
    close: () => database.close()
  }
}

/** A Kysely over `path` (a file, or ":memory:"). Call `migrate(db)` before use and `db.destroy()` to close. */
export const openSqlite = (path: string, options: SqliteOptions = {}): Kysely<Database> =>
  new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(openSqliteDatabase(path, options)) }) })

export interface SqliteSettings {
  readonly journal_mode: string
  readonly synchronous: "OFF" | "NORMAL" | "FULL" | "EXTRA"
  readonly foreign_keys: boolean
  readonly busy_timeout: number
}

/** Reads the durability settings back from the database, for a startup self-check (reliability goal D-1). */
export const settings = async (db: Kysely<Database>): Promise<SqliteSettings> => {
  const read = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0]
  const levels = ["OFF", "NORMAL", "FULL", "EXTRA"] as const
  return {
    journal_mode: String(await read("journal_mode")),
    synchronous: levels[Number(await read("synchronous"))]!,
    foreign_keys: Number(await read("foreign_keys")) === 1,
    busy_timeout: Number(await read("busy_timeout"))
  }
}
