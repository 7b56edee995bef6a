/**
 * The SQLite reader connection's row cache, whatever the driver: Node's
 * better-sqlite3 (`openSqliteConnections` in `./sqlite`) and Bun's bun:sqlite
 * (apps/api `src/bun/sqlite.ts`) hand it a connection of their own and call
 * `forget` from their writer. Nothing here imports a driver.
 *
 * The reader keeps the rows it read until the database may have changed:
 * every statement this process runs on the writer that may change what the
 * reader sees (`mayChange`) drops them as soon as it has run, so a request
 * always reads this process's own committed writes; SQLite's `data_version`,
 * asked at most once a millisecond, drops them when another process (a
 * `meterbridge worker`, the CLI) has committed. A row is therefore never older
 * than the last commit this process made, nor more than about a millisecond
 * older than another's.
 */
import type { SqliteStatement } from "kysely"
import type { RowReader } from "./KyselyStore.ts"

/** What the cache needs of the reader connection (opened `query_only`, on the same file as the writer). */
export interface Connection {
  /** `sql` prepared once; `get` answers the first row it selects for one bound parameter, or null/undefined for none. */
  readonly prepare: (sql: string) => { readonly get: (key: string) => unknown }
  /** SQLite's `pragma data_version` on this connection: it changes when another connection has committed. */
  readonly dataVersion: () => unknown
}

export interface CachingReader {
  /** Pass it as `KyselyStore.make(db, { reader })`. */
  readonly reader: RowReader
  /** Drops every row kept: the writer calls it after each statement for which `mayChange` holds. */
  readonly forget: () => void
}

/** How often, at most, the reader asks whether another process changed the database (ms). */
const CHANGE_CHECK_MS = 1

/** A reader's cached rows, at most this many; when full it starts over. */
const MAX_CACHED_ROWS = 10_000

/** The reader's prepared statements, at most this many: the lookups are a handful of fixed texts; the bound only guards against misuse. */
const MAX_STATEMENTS = 64

export const make = (connection: Connection): CachingReader => {
  // Records by statement, then by key: the statement texts are a handful of long constant strings.
  const rows = new Map<string, Map<string, unknown>>()
  let cached = 0
  let version = connection.dataVersion()
  let checkedAt = Date.now()
  const statements = new Map<string, { readonly get: (key: string) => unknown }>()
  const forget = () => {
    rows.clear()
    cached = 0
  }
  const reader: RowReader = {
    one: <A>(text: string, key: string, toRecord: (row: any) => A): A | undefined => {
      const now = Date.now()
      if (now - checkedAt >= CHANGE_CHECK_MS || now < checkedAt) {
        checkedAt = now
        const current = connection.dataVersion()
        if (current !== version) {
          version = current
          forget()
        }
      }
      let byKey = rows.get(text)
      if (byKey === undefined) rows.set(text, byKey = new Map())
      if (byKey.has(key)) return byKey.get(key) as A | undefined
      let statement = statements.get(text)
      if (statement === undefined) {
        statement = connection.prepare(text)
        if (statements.size < MAX_STATEMENTS) statements.set(text, statement)
      }
      const row = statement.get(key)
      const record = row === undefined || row === null ? undefined : toRecord(row)
      if (cached >= MAX_CACHED_ROWS) forget()
      // `forget` may have dropped this statement's map: put it back.
      if (!rows.has(text)) rows.set(text, byKey)
      byKey.set(key, record)
      cached++
      return record
    }
  }
  return { reader, forget }
}

/**
 * Whether a statement run on the writer may change what the reader sees, from
 * SQLite's own `sqlite3_stmt_readonly` (better-sqlite3's and bun:sqlite's
 * `statement.readonly`) and the statement's text. Read-only statements cannot,
 * except the transaction controls SQLite calls read-only because they write
 * nothing themselves: `commit`/`end`, and `release` of the outermost savepoint,
 * publish a transaction's writes (`rollback` is counted too, at the price of one
 * needless drop). A driver that cannot tell (`readonly` undefined) counts every
 * statement as a change: a drop too many costs a lookup, a drop too few serves
 * a stale row.
 */
export const mayChange = (sql: string, readonly: boolean | undefined): boolean =>
  readonly !== true || /^\s*(commit|end|release|rollback)\b/i.test(sql)

/**
 * The Kysely statement `statement`, calling `afterWrite` each time `all` or
 * `run` has run (even when it threw: a failed statement may have changed
 * something before failing). Wrap only statements for which `mayChange` holds.
 * better-sqlite3's `busy` (a statement being iterated) is passed through for
 * `cachingStatements`.
 */
export const afterEachRun = (statement: SqliteStatement, afterWrite: () => void): SqliteStatement => ({
  get reader() {
    return statement.reader
  },
  get busy() {
    return (statement as { readonly busy?: boolean }).busy
  },
  all: (parameters) => {
    try {
      return statement.all(parameters)
    } finally {
      afterWrite()
    }
  },
  run: (parameters) => {
    try {
      return statement.run(parameters)
    } finally {
      afterWrite()
    }
  },
  iterate: (parameters) => statement.iterate(parameters)
}) as SqliteStatement
