/**
 * Opens a SQLite database for the Store. WAL lets readers (API requests)
 * run beside the one writer (collection); `synchronous=FULL` syncs the WAL
 * at every commit, so a committed write survives power loss, not only a
 * process crash (see README, "Durability").
 */
import SqliteDatabase from "better-sqlite3"
import { Kysely, sql, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect, type SqliteStatement as KyselySqliteStatement } from "kysely"
import type { Database } from "./Database.ts"
import type { RowReader } from "./KyselyStore.ts"
import * as SqliteReader from "./SqliteReader.ts"

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
 *
 * `afterWrite` is called each time a statement that may change what another
 * connection reads (`SqliteReader.mayChange`: writes, `commit`) has run, so a
 * cache of rows read elsewhere can drop what that statement may have changed.
 */
export const cachingStatements = (database: SqliteDatabase.Database, size = 200, afterWrite?: () => void): KyselySqliteDatabase => {
  const cache = new Map<string, KyselySqliteStatement>()
  const prepare = (text: string): KyselySqliteStatement => {
    const statement = database.prepare(text)
    return afterWrite !== undefined && SqliteReader.mayChange(text, statement.readonly) ? SqliteReader.afterEachRun(statement, afterWrite) : statement
  }
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      const cached = cache.get(text)
      if (cached !== undefined && !(cached as { busy?: boolean }).busy) {
        // Re-insert to keep the map in least-recently-used order.
        cache.delete(text)
        cache.set(text, cached)
        return cached
      }
      const statement = prepare(text)
      cache.set(text, statement)
      if (cache.size > size) cache.delete(cache.keys().next().value!)
      return statement
    }
  }
}

export interface SqliteConnections {
  /** Kysely over the writer connection: everything the Store writes, and every query but the lookups. */
  readonly db: Kysely<Database>
  /** The lookups of one row by key (pass it as `KyselyStore.make(db, { reader })`); none for ":memory:". */
  readonly reader: RowReader | undefined
  /** Closes both connections. */
  readonly close: () => Promise<void>
}

/**
 * The Store's two connections to the database at `path`. The writer is the
 * Kysely `openSqlite` gives. The reader is a second, `query_only` connection
 * for the lookups of one row by key that every API request makes (its token,
 * the service or account it names): WAL lets it read the last committed
 * state while the writer's transaction is open, so those lookups neither wait
 * behind a collection's writes nor pay Kysely's per-query promise chain. It
 * keeps the rows it read until the database may have changed (see
 * `SqliteReader`, shared with Bun's bun:sqlite). ":memory:" gets no reader:
 * every connection to it is a database of its own.
 */
export const openSqliteConnections = (path: string, options: SqliteOptions = {}): SqliteConnections => {
  if (path === ":memory:" || path === "") {
    const db = openSqlite(path, options)
    return { db, reader: undefined, close: () => db.destroy() }
  }
  const writer = openSqliteDatabase(path, options)
  const database = new SqliteDatabase(path, { fileMustExist: true })
  database.pragma("query_only = ON")
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
  const dataVersion = database.prepare("pragma data_version").pluck()
  const { reader, forget } = SqliteReader.make({ prepare: (text) => database.prepare(text), dataVersion: () => dataVersion.get() })
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(writer, 200, forget) }) })
  return {
    db,
    reader,
    close: async () => {
      database.close()
      await db.destroy()
    }
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
