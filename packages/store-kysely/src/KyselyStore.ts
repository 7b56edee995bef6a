/**
 * The Store over an injected Kysely: SQLite or PostgreSQL, the same SQL
 * wherever Kysely allows. Run `migrate(db)` first.
 */
import { Store, StoreRules } from "@meterbridge/core"
import { Effect, Layer, Option, Stream } from "effect"
import { type Compilable, CompiledQuery, type Kysely, PostgresAdapter, sql, SqliteAdapter } from "kysely"
import type { Database } from "./Database.ts"
import { coverage } from "./internal/coverage.ts"
import { type Dialect, intervalPage, lockServices, upsertIntervals } from "./internal/intervals.ts"
import { outbox } from "./internal/outbox.ts"
import * as Rows from "./internal/rows.ts"
import { insertUnique, query, toStoreError, transaction } from "./internal/run.ts"

export type { Dialect } from "./internal/intervals.ts"

/** Reads one row synchronously, outside Kysely (see `Options.reader`). */
export interface RowReader {
  /**
   * The row `sql` (with one parameter) selects for `key`, as `toRecord` makes it, or `undefined`. A reader may
   * keep the record until the database changes and hand the same object out again: records are read-only.
   */
  readonly one: <A>(sql: string, key: string, toRecord: (row: any) => A) => A | undefined
}

export interface Options {
  /** Detected from the Kysely adapter when left out. */
  readonly dialect?: Dialect
  /**
   * Where the lookups of one row by key run (a token by its hash, a user, an account, a service): on SQLite, a
   * second connection (`openSqliteConnections` in `./sqlite`, or any driver through `SqliteReader.make`). WAL
   * lets it read the last committed state while the writer's transaction is open, and it skips Kysely's single-connection queue, so the lookups every API
   * request makes neither wait behind a collection's writes nor pay Kysely's per-query promise chain. A unit of
   * work (`atomically`) always reads through its own transaction.
   */
  readonly reader?: RowReader
}

const detect = (db: Kysely<Database>): Dialect => {
  const adapter = db.getExecutor().adapter
  if (adapter instanceof SqliteAdapter) return "sqlite"
  if (adapter instanceof PostgresAdapter) return "postgres"
  throw new Error("KyselyStore supports the SQLite and PostgreSQL dialects; pass { dialect } for a compatible adapter")
}

const MAX = Number.MAX_SAFE_INTEGER
/** Job ids are integers; a malformed id matches nothing instead of failing in the database. */
const jobId = (id: string): number => (/^\d{1,15}$/.test(id) ? Number(id) : -1)

const invalid = (what: string, problem: string) =>
  Effect.fail(new Store.StoreError({ message: `${what} rejected, nothing written: ${problem}` }))

const sameBill = (a: ReturnType<typeof Rows.billColumns>, b: ReturnType<typeof Rows.billColumns>) =>
  a.utility === b.utility && a.utility_service_id === b.utility_service_id &&
  a.utility_tariff_name === b.utility_tariff_name && a.utility_service_address === b.utility_service_address &&
  a.utility_meter_number === b.utility_meter_number && a.bill_statement_date === b.bill_statement_date &&
  a.bill_total_kWh === b.bill_total_kWh && a.bill_total === b.bill_total && a.bill_breakdown === b.bill_breakdown &&
  a.source === b.source

/**
 * Compiles a query once and reruns its SQL with new parameters (in the order
 * the SQL binds them): the per-request lookups skip Kysely's builder and compiler.
 */
const precompile = <R>(db: Kysely<Database>, query: Compilable<R>) => {
  const text = query.compile().sql
  return async (...parameters: ReadonlyArray<unknown>): Promise<R | undefined> =>
    (await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]))).rows[0]
}

/** One row by key as a record, as an Effect: through `reader` when there is one, else through Kysely (compiled once). */
const lookup = <R, A>(
  db: Kysely<Database>,
  reader: RowReader | undefined,
  what: string,
  compilable: Compilable<R>,
  toRecord: (row: R) => A
) => {
  if (reader === undefined) {
    const run = precompile(db, compilable)
    return (key: string) => query(what, () => run(key)).pipe(Effect.map((row) => (row === undefined ? undefined : toRecord(row))))
  }
  const text = compilable.compile().sql
  return (key: string) => Effect.try({ try: () => reader.one(text, key, toRecord), catch: toStoreError(what) })
}

export const make = (db: Kysely<Database>, options: Options = {}): Store.StoreShape => {
  const dialect = options.dialect ?? detect(db)
  const reader = db.isTransaction ? undefined : options.reader

  const userByUid = lookup(db, reader, "getUser", db.selectFrom("users").selectAll().where("uid", "=", ""), Rows.user)
  const accountByUid = lookup(db, reader, "getAccount", db.selectFrom("accounts").selectAll().where("uid", "=", ""), Rows.account)
  const tokenByUid = lookup(db, reader, "getToken", db.selectFrom("tokens").selectAll().where("uid", "=", ""), Rows.token)
  const tokenBySecret = lookup(db, reader, "findTokenBySecretHash", db.selectFrom("tokens").selectAll().where("secret_hash", "=", ""), Rows.token)
  const countRequests = precompile(db, db.updateTable("tokens").set((eb) => ({ request_count: eb("request_count", "+", 0) })).where("uid", "=", ""))
  const serviceByUid = lookup(db, reader, "getService", db.selectFrom("services").selectAll().where("uid", "=", ""), Rows.serviceWithFigures)

  const refreshBillSummary = async (trx: Kysely<Database>, serviceUid: string) => {
    const rows = await trx.selectFrom("bills").select(["bill_start_date", "bill_end_date"])
      .where("service_uid", "=", serviceUid).orderBy("bill_start_date").orderBy("bill_end_date").execute()
    const ranges = coverage(rows.map((r) => [Number(r.bill_start_date), Number(r.bill_end_date)] as const))
    await trx.updateTable("services").set({ bill_count: rows.length, bill_coverage: JSON.stringify(ranges) })
      .where("uid", "=", serviceUid).execute()
  }

  const store: Store.StoreShape = {
    createUser: (user) =>
      insertUnique("createUser", `A user with uid ${user.uid} or email ${user.email} already exists`, () =>
        db.insertInto("users").values({ ...user }).execute()).pipe(Effect.asVoid),
    getUser: (uid) =>
      userByUid(uid),
    findUserByEmail: (email) =>
      query("findUserByEmail", () => db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst())
        .pipe(Effect.map((r) => r && Rows.user(r))),
    countUsers: query("countUsers", () => db.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow())
      .pipe(Effect.map((r) => Number(r.n))),
    listUsers: query("listUsers", () => db.selectFrom("users").selectAll().orderBy("created").orderBy("uid").execute())
      .pipe(Effect.map((rows) => rows.map(Rows.user))),
    updateUser: (uid, patch) => {
      const set = {
        ...(patch.email === undefined ? {} : { email: patch.email }),
        ...(patch.password_hash === undefined ? {} : { password_hash: patch.password_hash })
      }
      if (Object.keys(set).length === 0) return Effect.void
      // The unique email column decides the conflict: no window between a check and the write.
      return insertUnique("updateUser", `Email ${patch.email} is already taken`, () =>
        db.updateTable("users").set(set).where("uid", "=", uid).execute()).pipe(Effect.asVoid)
    },
    createToken: (token) =>
      insertUnique("createToken", `Token ${token.uid} or its secret already exists`, () =>
        db.insertInto("tokens").values({ ...token }).execute()).pipe(Effect.asVoid),
    findTokenBySecretHash: (hash) =>
      tokenBySecret(hash),
    getToken: (uid) =>
      tokenByUid(uid),
    listTokens: (userUid) =>
      query("listTokens", () =>
        db.selectFrom("tokens").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.token))),
    updateTokenExpiry: (uid, expires) =>
      query("updateTokenExpiry", () => db.updateTable("tokens").set({ expires }).where("uid", "=", uid).execute()).pipe(Effect.asVoid),
    incrementTokenRequests: (uid, by) =>
      query("incrementTokenRequests", () => countRequests(by, uid)).pipe(Effect.asVoid),

    createInvite: (codeHash, created, expires) =>
      query("createInvite", () =>
        db.insertInto("invites").values({ code_hash: codeHash, created, expires, used_by: null })
          // Re-creating a code must not revive a used invite.
          .onConflict((oc) => oc.column("code_hash").doNothing()).execute()).pipe(Effect.asVoid),
    redeemInvite: (codeHash, userUid, now) =>
      query("redeemInvite", () =>
        db.updateTable("invites").set({ used_by: userUid })
          .where("code_hash", "=", codeHash).where("used_by", "is", null)
          .where((eb) => eb.or([eb("expires", "is", null), eb("expires", ">", now)]))
          .returning("code_hash").execute()).pipe(Effect.map((rows) => rows.length === 1)),

    recordLoginFailure: (key, now, windowStart) =>
      query("recordLoginFailure", () =>
        // One statement: concurrent failures cannot both start a fresh window or lose a count.
        db.insertInto("login_failures").values({ key, count: 1, first_at: now })
          .onConflict((oc) =>
            oc.column("key").doUpdateSet({
              count: sql`case when login_failures.first_at < ${windowStart} then 1 else login_failures.count + 1 end`,
              first_at: sql`case when login_failures.first_at < ${windowStart} then ${now} else login_failures.first_at end`
            }))
          .returning("count").executeTakeFirstOrThrow()).pipe(Effect.map((r) => Number(r.count))),
    countLoginFailures: (key, windowStart) =>
      query("countLoginFailures", () =>
        db.selectFrom("login_failures").select("count").where("key", "=", key).where("first_at", ">=", windowStart)
          .executeTakeFirst()).pipe(Effect.map((r) => (r === undefined ? 0 : Number(r.count)))),
    clearLoginFailures: (key) =>
      query("clearLoginFailures", () => db.deleteFrom("login_failures").where("key", "=", key).execute()).pipe(Effect.asVoid),

    getRegistration: (userUid, utility) =>
      query("getRegistration", () =>
        db.selectFrom("registrations").select("status").where("user_uid", "=", userUid).where("utility", "=", utility)
          .executeTakeFirst()).pipe(Effect.map((r) => r?.status as Store.RegistrationStatus | undefined)),
    setRegistration: (userUid, utility, status) =>
      query("setRegistration", () =>
        db.insertInto("registrations").values({ user_uid: userUid, utility, status })
          .onConflict((oc) => oc.columns(["user_uid", "utility"]).doUpdateSet({ status })).execute()).pipe(Effect.asVoid),
    listRegistrations: (userUid) =>
      query("listRegistrations", () =>
        db.selectFrom("registrations").select(["utility", "status"]).where("user_uid", "=", userUid).orderBy("utility").execute())
        .pipe(Effect.map((rows) => rows.map((r) => ({ utility: r.utility, status: r.status as Store.RegistrationStatus })))),

    consumeNonce: (nonce, expires) =>
      query("consumeNonce", () =>
        db.insertInto("nonces").values({ nonce, expires }).onConflict((oc) => oc.column("nonce").doNothing())
          .returning("nonce").execute()).pipe(Effect.map((rows) => rows.length === 1)),

    createAccount: (account) =>
      insertUnique("createAccount", `Account ${account.uid} or its authorization reference already exists`, () =>
        db.insertInto("accounts").values(Rows.flags({ ...account, latest: account.latest === null ? null : JSON.stringify(account.latest) }))
          .execute()).pipe(Effect.asVoid),
    getAccount: (uid) =>
      accountByUid(uid),
    findAccountByAuthorizationRef: (ref) =>
      query("findAccountByAuthorizationRef", () =>
        db.selectFrom("accounts").selectAll().where("authorization_ref", "=", ref).executeTakeFirst())
        .pipe(Effect.map((r) => r && Rows.account(r))),
    listAccounts: (userUid) =>
      query("listAccounts", () =>
        db.selectFrom("accounts").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.account))),
    updateAccount: (uid, patch) => {
      const { latest, ...rest } = patch
      const set = Rows.flags(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)))
      if (latest !== undefined) set.latest = latest === null ? null : JSON.stringify(latest)
      if (Object.keys(set).length === 0) return Effect.void
      return query("updateAccount", () => db.updateTable("accounts").set(set).where("uid", "=", uid).execute()).pipe(Effect.asVoid)
    },
    deleteAccount: (uid) =>
      transaction(db, "deleteAccount", (trx) =>
        query("deleteAccount", async () => {
          // Explicit deletes rather than ON DELETE CASCADE alone: they hold even where foreign keys are off.
          const services = trx.selectFrom("services").select("uid").where("account_uid", "=", uid)
          // Service rows before their data, the order writers take them in.
          const uids = (await services.execute()).map((s) => s.uid)
          if (uids.length > 0) await lockServices(trx, dialect, uids.sort(), ["uid"])
          await trx.deleteFrom("jobs").where((eb) => eb.or([eb("target_uid", "=", uid), eb("target_uid", "in", services)])).execute()
          await trx.deleteFrom("intervals").where("service_uid", "in", services).execute()
          await trx.deleteFrom("bills").where("service_uid", "in", services).execute()
          await trx.deleteFrom("services").where("account_uid", "=", uid).execute()
          await trx.deleteFrom("accounts").where("uid", "=", uid).execute()
        })),

    deleteAccountServices: (uid) =>
      transaction(db, "deleteAccountServices", (trx) =>
        query("deleteAccountServices", async () => {
          const services = trx.selectFrom("services").select("uid").where("account_uid", "=", uid)
          const uids = (await services.execute()).map((s) => s.uid)
          if (uids.length === 0) return
          await lockServices(trx, dialect, uids.sort(), ["uid"])
          await trx.deleteFrom("jobs").where("target_uid", "in", services).execute()
          await trx.deleteFrom("intervals").where("service_uid", "in", services).execute()
          await trx.deleteFrom("bills").where("service_uid", "in", services).execute()
          await trx.deleteFrom("services").where("account_uid", "=", uid).execute()
        })),

    createTemplate: (template) =>
      insertUnique("createTemplate", `Template ${template.uid} already exists`, () =>
        db.insertInto("templates").values({ ...template, redirect_uris: JSON.stringify(template.redirect_uris) }).execute())
        .pipe(Effect.asVoid),
    getTemplate: (uid) =>
      query("getTemplate", () => db.selectFrom("templates").selectAll().where("uid", "=", uid).executeTakeFirst())
        .pipe(Effect.map((r) => r && Rows.template(r))),
    listTemplates: (userUid) =>
      query("listTemplates", () =>
        db.selectFrom("templates").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.template))),
    deleteTemplate: (uid) =>
      query("deleteTemplate", () => db.deleteFrom("templates").where("uid", "=", uid).execute()).pipe(Effect.asVoid),
    createForm: (form) =>
      insertUnique("createForm", `Form ${form.uid} or its code already exists`, () =>
        db.insertInto("forms").values(Rows.flags({ ...form })).execute()).pipe(Effect.asVoid),
    getForm: (uid) =>
      query("getForm", () => db.selectFrom("forms").selectAll().where("uid", "=", uid).executeTakeFirst())
        .pipe(Effect.map((r) => r && Rows.form(r))),
    findFormByCode: (code) =>
      query("findFormByCode", () => db.selectFrom("forms").selectAll().where("code", "=", code).executeTakeFirst())
        .pipe(Effect.map((r) => r && Rows.form(r))),
    listForms: (userUid) =>
      query("listForms", () =>
        db.selectFrom("forms").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.form))),
    deleteForm: (uid) => query("deleteForm", () => db.deleteFrom("forms").where("uid", "=", uid).execute()).pipe(Effect.asVoid),

    upsertService: (service) =>
      query("upsertService", () => {
        const columns = Rows.serviceColumns(service)
        const {
          uid: _u, created: _c, active_until: _a, latest: _l, last_collected: _lc,
          is_activated: _ia, monitoring: _m, is_archived: _ar, ...details
        } = columns
        // One statement, so two writers discovering the same service cannot both insert it.
        return db.insertInto("services").values(columns)
          .onConflict((oc) => oc.columns(["account_uid", "utility_service_id"]).doUpdateSet(details))
          .returningAll().executeTakeFirstOrThrow()
      }).pipe(Effect.map(Rows.service)),
    getService: (uid) =>
      serviceByUid(uid),
    listServices: (userUid) =>
      query("listServices", () =>
        db.selectFrom("services").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.serviceWithFigures))),
    listAccountServices: (accountUid) =>
      query("listAccountServices", () =>
        db.selectFrom("services").selectAll().where("account_uid", "=", accountUid).orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.service))),
    listServicesDue: (now, staleBefore) =>
      query("listServicesDue", () =>
        db.selectFrom("services").selectAll()
          .where("active_until", ">", now)
          .where((eb) => eb.or([eb("last_collected", "is", null), eb("last_collected", "<", staleBefore)]))
          .orderBy("created").orderBy("uid").execute())
        .pipe(Effect.map((rows) => rows.map(Rows.service))),
    updateService: (uid, patch) => {
      const set: Record<string, unknown> = {}
      if (patch.active_until !== undefined) set.active_until = patch.active_until
      if (patch.last_collected !== undefined) set.last_collected = patch.last_collected
      if (patch.latest !== undefined) set.latest = patch.latest === null ? null : JSON.stringify(patch.latest)
      if (patch.is_activated !== undefined) set.is_activated = patch.is_activated ? 1 : 0
      if (patch.monitoring !== undefined) set.monitoring = patch.monitoring
      if (patch.is_archived !== undefined) set.is_archived = patch.is_archived ? 1 : 0
      if (Object.keys(set).length === 0) return Effect.void
      return query("updateService", () => db.updateTable("services").set(set).where("uid", "=", uid).execute()).pipe(Effect.asVoid)
    },
    resetServiceData: (uid) =>
      transaction(db, "resetServiceData", (trx) =>
        query("resetServiceData", async () => {
          // The service row first: writers lock it before its data, so taking it first cannot deadlock with them.
          await trx.updateTable("services")
            .set({ bill_count: 0, bill_coverage: "[]", interval_count: 0, interval_coverage: "[]" })
            .where("uid", "=", uid).execute()
          await trx.deleteFrom("intervals").where("service_uid", "=", uid).execute()
          await trx.deleteFrom("bills").where("service_uid", "=", uid).execute()
        })),

    upsertBills: (bills) =>
      Effect.suspend(() => {
        for (const b of bills) {
          const problem = StoreRules.billProblem(b)
          if (problem) return invalid("Bill", problem)
        }
        const latest = new Map<string, ReturnType<typeof Rows.billColumns>>()
        for (const b of bills) latest.set(`${b.service_uid}\u0000${b.bill_start_date}\u0000${b.bill_end_date}`, Rows.billColumns(b))
        if (latest.size === 0) return Effect.succeed<Store.UpsertResult>({ inserted: 0, changed: 0 })
        return transaction(db, "upsertBills", (trx) =>
          query("upsertBills", async () => {
            await lockServices(trx, dialect, [...new Set([...latest.values()].map((b) => b.service_uid))].sort(), ["uid"])
            let inserted = 0
            let changed = 0
            const touched = new Set<string>()
            // Bills are few (one a month): compare in code, write only what is new or different.
            for (const b of latest.values()) {
              const old = await trx.selectFrom("bills").selectAll().where("service_uid", "=", b.service_uid)
                .where("bill_start_date", "=", b.bill_start_date).where("bill_end_date", "=", b.bill_end_date).executeTakeFirst()
              if (old === undefined) {
                const exists = await trx.selectFrom("services").select("uid").where("uid", "=", b.service_uid).executeTakeFirst()
                if (exists === undefined) throw new Error(`unknown service ${b.service_uid}`)
                await trx.insertInto("bills").values(b).execute()
                inserted++
              } else if (!sameBill(Rows.billColumns(Rows.bill(old)), b)) {
                await trx.updateTable("bills").set(b).where("service_uid", "=", b.service_uid)
                  .where("bill_start_date", "=", b.bill_start_date).where("bill_end_date", "=", b.bill_end_date).execute()
                changed++
              } else {
                continue
              }
              touched.add(b.service_uid)
            }
            for (const s of touched) await refreshBillSummary(trx, s)
            return { inserted, changed }
          }))
      }),
    streamBills: (serviceUid) =>
      Stream.fromArrayEffect(
        query("streamBills", () =>
          db.selectFrom("bills").selectAll().where("service_uid", "=", serviceUid)
            .orderBy("bill_start_date").orderBy("bill_end_date").execute()).pipe(Effect.map((rows) => rows.map(Rows.bill)))
      ),

    upsertIntervals: (intervals) =>
      Effect.suspend(() => {
        for (const i of intervals) {
          const problem = StoreRules.intervalProblem(i)
          if (problem) return invalid("Interval", problem)
        }
        if (intervals.length === 0) return Effect.succeed<Store.UpsertResult>({ inserted: 0, changed: 0 })
        return transaction(db, "upsertIntervals", (trx) =>
          query("upsertIntervals (nothing written)", (signal) => upsertIntervals(trx, dialect, intervals, signal)))
      }),
    streamIntervals: (serviceUid, q) => {
      const flow = q?.flow ?? "delivered"
      const to = q?.end ?? MAX
      return Stream.paginate(q?.start ?? -MAX, (from: number) =>
        query("streamIntervals", () => intervalPage(db, dialect, serviceUid, flow, from, to)).pipe(
          Effect.map(({ next, rows }) => [rows, next === undefined ? Option.none<number>() : Option.some(next)] as const)
        ))
    },

    enqueueJob: (job) =>
      transaction(db, "enqueueJob", (trx) =>
        query("enqueueJob", async () => {
          if (dialect === "postgres") {
            // Serializes enqueues of one (kind, target) so two writers cannot both add it.
            await sql`select pg_advisory_xact_lock(hashtext(${`${job.kind}:${job.target_uid}`}))`.execute(trx)
          }
          const waiting = await trx.selectFrom("jobs").select(["id", "run_at"])
            .where("kind", "=", job.kind).where("target_uid", "=", job.target_uid).where("locked_until", "is", null)
            .orderBy("id").executeTakeFirst()
          if (waiting !== undefined) {
            // Asked for sooner than scheduled: the waiting job moves up.
            if (job.run_at < Number(waiting.run_at)) {
              await trx.updateTable("jobs").set({ run_at: job.run_at }).where("id", "=", waiting.id).execute()
            }
            return String(waiting.id)
          }
          const owner = job.kind === "account"
            ? await trx.selectFrom("accounts").select("user_uid").where("uid", "=", job.target_uid).executeTakeFirst()
            : await trx.selectFrom("services").select("user_uid").where("uid", "=", job.target_uid).executeTakeFirst()
          const row = await trx.insertInto("jobs")
            .values({
              kind: job.kind,
              target_uid: job.target_uid,
              params: JSON.stringify(job.params),
              run_at: job.run_at,
              attempts: 0,
              locked_until: null,
              user_uid: owner?.user_uid ?? null
            })
            .returning("id").executeTakeFirstOrThrow()
          return String(row.id)
        })),
    claimJob: (now, leaseUntil, options) =>
      query("claimJob", async () => {
        // One statement: the pick and the lease cannot be split by another claimer. PostgreSQL skips
        // rows another claimer holds; SQLite runs the statement under its single write lock.
        // Fairness: the owner with the fewest running (leased) jobs goes first; among equals, the one
        // served least recently, then the earliest job. One user's backlog of forty waits behind everyone
        // else's next job instead of in front of it, even on a single worker slot.
        const max = options?.maxRunningPerUser ?? 2_147_483_647
        const pick = sql`select j.id from jobs j
          left join (select user_uid, count(*) as n from jobs where locked_until > ${now} and user_uid is not null group by user_uid) r
            on r.user_uid = j.user_uid
          left join job_owners o on o.user_uid = j.user_uid
          where j.run_at <= ${now} and (j.locked_until is null or j.locked_until <= ${now}) and coalesce(r.n, 0) < ${max}
          order by coalesce(r.n, 0), coalesce(o.last_claimed, 0), j.run_at, j.id
          limit 1 ${dialect === "postgres" ? sql`for update of j skip locked` : sql``}`
        const result = await sql<Database["jobs"]>`update jobs set locked_until = ${leaseUntil}
          where id = (${pick}) and (locked_until is null or locked_until <= ${now}) returning *`.execute(db)
        const row = result.rows[0]
        if (row === undefined) return undefined
        if (row.user_uid !== null) {
          // Only an ordering hint: a claim whose hint is lost (a crash right here) is still leased correctly.
          await db.insertInto("job_owners").values({ user_uid: row.user_uid, last_claimed: now })
            .onConflict((oc) => oc.column("user_uid").doUpdateSet({ last_claimed: now })).execute()
        }
        return Rows.job(row as never)
      }),
    extendLease: (id, leaseUntil) =>
      query("extendLease", () => db.updateTable("jobs").set({ locked_until: leaseUntil }).where("id", "=", jobId(id)).execute())
        .pipe(Effect.asVoid),
    completeJob: (id) =>
      query("completeJob", () => db.deleteFrom("jobs").where("id", "=", jobId(id)).execute()).pipe(Effect.asVoid),
    retryJob: (id, runAt) =>
      query("retryJob", () =>
        db.updateTable("jobs").set((eb) => ({ run_at: runAt, locked_until: null, attempts: eb("attempts", "+", 1) }))
          .where("id", "=", jobId(id)).execute()).pipe(Effect.asVoid),
    listJobs: query("listJobs", () => db.selectFrom("jobs").selectAll().orderBy("run_at").orderBy("id").execute())
      .pipe(Effect.map((rows) => rows.map(Rows.job))),

    // The unit of work is a Store over the open transaction: its methods run their statements on it, and their own
    // multi-statement writes join it (see `transaction`). A nested unit of work joins it too.
    atomically: (use) => (db.isTransaction ? use(store) : transaction(db, "atomically", (trx) => use(make(trx, { dialect })))),
    ...outbox(db, dialect)
  }
  return store
}

/** Provides the Store over `db` (migrated beforehand). */
export const layer = (db: Kysely<Database>, options: Options = {}): Layer.Layer<Store.Store> =>
  Layer.sync(Store.Store, () => make(db, options))
