/**
 * The Effect seam, the only place promises become Effects: every query runs
 * in `query`, every multi-statement write in `transaction`, which commits on
 * success and rolls back on failure or interruption, so nothing is half-written.
 */
import { Store } from "@meterbridge/core"
import { Effect, Exit } from "effect"
import type { Kysely, Transaction } from "kysely"
import type { Database } from "../Database.ts"

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

export const toStoreError = (what: string) => (cause: unknown): Store.StoreError =>
  new Store.StoreError({ message: `${what}: ${describe(cause)}`, cause })

/** SQLite `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`, PostgreSQL `23505`. */
export const isUniqueViolation = (cause: unknown): boolean => {
  const code = (cause as { code?: unknown } | null)?.code
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
}

/**
 * `run` gets an AbortSignal that fires when the fiber is interrupted, so long writes can stop between statements.
 * Passed to Effect as it is: Effect wires an AbortController only for a function that declares the parameter,
 * so the many small queries that ignore it cost none.
 */
export const query = <A>(what: string, run: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, Store.StoreError> =>
  Effect.tryPromise({ try: run, catch: toStoreError(what) })

/** Like `query`, but a uniqueness violation fails with `Conflict` carrying `conflict` as its message. */
export const insertUnique = <A>(what: string, conflict: string, run: () => Promise<A>): Effect.Effect<A, Store.StoreError | Store.Conflict> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => (isUniqueViolation(cause) ? new Store.Conflict({ message: conflict }) : toStoreError(what)(cause))
  })

/** Inside an open transaction (a Store made over one by `atomically`), `use` joins it. */
export const transaction = <A, E, R = never>(
  db: Kysely<Database>,
  what: string,
  use: (trx: Transaction<Database>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Store.StoreError, R> =>
  db.isTransaction ? use(db as Transaction<Database>) : Effect.acquireUseRelease(
    query(`${what} (begin)`, () => db.startTransaction().execute()),
    use,
    (trx, exit) =>
      Exit.isSuccess(exit)
        ? query(`${what} (commit)`, () => trx.commit().execute()).pipe(
          // A failed commit still holds the connection; give it back before failing.
          Effect.tapError(() => Effect.promise(() => trx.rollback().execute().catch(() => undefined)))
        )
        : Effect.promise(() => trx.rollback().execute().catch(() => undefined))
  )
