/**
 * The schema, as Kysely migrations kept in code (no migration folder to ship).
 * `migrate(db)` is idempotent: it applies what is missing and nothing else.
 */
import { type Kysely, sql, SqliteAdapter } from "kysely"
import { type Migration, type MigrationResultSet, Migrator } from "kysely/migration"

// Migrations see an untyped database: they describe tables that may not exist yet.
type AnyDb = Kysely<any>

const isSqlite = (db: AnyDb) => db.getExecutor().adapter instanceof SqliteAdapter

/** SQLite's rowid alias vs PostgreSQL's identity column: the one dialect difference in the schema. */
const serialTable = (db: AnyDb, table: string, column = "id") =>
  isSqlite(db)
    ? db.schema.createTable(table).addColumn(column, "integer", (c) => c.primaryKey().autoIncrement())
    : db.schema.createTable(table).addColumn(column, "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())

const init: Migration = {
  async up(db: AnyDb) {
    const sqlite = isSqlite(db)
    const serial = (table: string) => serialTable(db, table)

    await db.schema.createTable("users")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("password_hash", "text")
      .addColumn("created", "bigint", (c) => c.notNull())
      .execute()

    await db.schema.createTable("tokens")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull().unique())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("expires", "bigint")
      .addColumn("request_count", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("signup_count", "bigint", (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema.createIndex("tokens_user").on("tokens").columns(["user_uid", "created"]).execute()

    await db.schema.createTable("invites")
      .addColumn("code_hash", "text", (c) => c.primaryKey())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("expires", "bigint")
      .addColumn("used_by", "text")
      .execute()

    await db.schema.createTable("registrations")
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("utility", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'live')`))
      .addPrimaryKeyConstraint("registrations_pk", ["user_uid", "utility"])
      .execute()

    await db.schema.createTable("nonces")
      .addColumn("nonce", "text", (c) => c.primaryKey())
      .addColumn("expires", "bigint", (c) => c.notNull())
      .execute()

    await db.schema.createTable("accounts")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("utility", "text", (c) => c.notNull())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("auth_type", "text", (c) => c.notNull().check(sql`auth_type in ('owner', '3rdparty')`))
      .addColumn("auth", "text", (c) => c.notNull())
      .addColumn("auth_expires", "bigint")
      .addColumn("login", "text", (c) => c.notNull())
      .addColumn("latest", "text")
      .addColumn("sealed_grant", "text", (c) => c.notNull())
      .addColumn("authorization_ref", "text", (c) => c.unique())
      .addColumn("authorization_url", "text")
      .execute()
    await db.schema.createIndex("accounts_user").on("accounts").columns(["user_uid", "created"]).execute()

    await db.schema.createTable("services")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("account_uid", "text", (c) => c.notNull().references("accounts.uid").onDelete("cascade"))
      .addColumn("utility", "text", (c) => c.notNull())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("active_until", "bigint")
      .addColumn("latest", "text")
      .addColumn("last_collected", "bigint")
      .addColumn("utility_service_id", "text", (c) => c.notNull())
      .addColumn("utility_tariff_name", "text")
      .addColumn("utility_service_address", "text")
      .addColumn("utility_billing_account", "text")
      .addColumn("utility_billing_contact", "text")
      .addColumn("utility_billing_address", "text")
      .addColumn("utility_meter_number", "text")
      .addColumn("bill_count", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("bill_coverage", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("interval_count", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("interval_coverage", "text", (c) => c.notNull().defaultTo("[]"))
      .addUniqueConstraint("services_identity", ["account_uid", "utility_service_id"])
      .execute()
    await db.schema.createIndex("services_user").on("services").columns(["user_uid", "created"]).execute()
    await db.schema.createIndex("services_due").on("services").columns(["active_until"]).execute()

    await db.schema.createTable("bills")
      .addColumn("service_uid", "text", (c) => c.notNull().references("services.uid").onDelete("cascade"))
      .addColumn("bill_start_date", "bigint", (c) => c.notNull())
      .addColumn("bill_end_date", "bigint", (c) => c.notNull())
      .addColumn("utility", "text", (c) => c.notNull())
      .addColumn("utility_service_id", "text")
      .addColumn("utility_tariff_name", "text")
      .addColumn("utility_service_address", "text")
      .addColumn("utility_meter_number", "text")
      .addColumn("bill_statement_date", "bigint")
      .addColumn("bill_total_kWh", "double precision")
      .addColumn("bill_total", "double precision")
      .addColumn("bill_breakdown", "text")
      .addColumn("source", "text")
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("bills_pk", ["service_uid", "bill_start_date", "bill_end_date"])
      .addCheckConstraint("bills_period", sql`bill_end_date > bill_start_date`)
      .execute()

    await serial("provenance")
      .addColumn("key", "text", (c) => c.notNull().unique())
      .addColumn("utility", "text", (c) => c.notNull())
      .addColumn("utility_service_id", "text")
      .addColumn("utility_tariff_name", "text")
      .addColumn("utility_service_address", "text")
      .addColumn("utility_meter_number", "text")
      .addColumn("source", "text")
      .execute()

    let intervals = db.schema.createTable("intervals")
      .addColumn("service_uid", "text", (c) => c.notNull().references("services.uid").onDelete("cascade"))
      .addColumn("flow", "integer", (c) => c.notNull().check(sql`flow between 0 and 2`))
      .addColumn("interval_start", "bigint", (c) => c.notNull())
      .addColumn("interval_end", "bigint", (c) => c.notNull())
      .addColumn("kwh", "double precision")
      .addColumn("kw", "double precision")
      .addColumn("quality", "integer", (c) => c.notNull().check(sql`quality between 0 and 4`))
      // No foreign key: provenance rows are never deleted and ids are looked up in the writing transaction;
      // PostgreSQL checks a foreign key with a trigger per row, which measured at a quarter of the insert time.
      .addColumn("provenance_id", "bigint", (c) => c.notNull())
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addColumn("revision", "integer", (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("intervals_pk", ["service_uid", "flow", "interval_start"])
      .addCheckConstraint("intervals_period", sql`interval_end > interval_start`)
    // The primary key is the only access path: SQLite stores the rows in that b-tree, once.
    if (sqlite) intervals = intervals.modifyEnd(sql`without rowid`)
    await intervals.execute()

    await serial("jobs")
      .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('account', 'service')`))
      .addColumn("target_uid", "text", (c) => c.notNull())
      .addColumn("params", "text", (c) => c.notNull())
      .addColumn("run_at", "bigint", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("locked_until", "bigint")
      .execute()
    await db.schema.createIndex("jobs_due").on("jobs").columns(["run_at", "id"]).execute()
    await db.schema.createIndex("jobs_target").on("jobs").columns(["target_uid", "kind"]).execute()
  }
}

/** The v2 workflow: authorizations (accounts) from forms, meters (services) collected once asked. */
const workflow: Migration = {
  async up(db: AnyDb) {
    const accounts: Array<[string, "text" | "bigint" | "integer", boolean]> = [
      ["form_uid", "text", false],
      ["template_uid", "text", false],
      ["referral", "text", false],
      ["customer_email", "text", false],
      ["is_test", "integer", true],
      ["is_archived", "integer", true],
      ["nickname", "text", false],
      ["declined", "bigint", false],
      ["revoked", "bigint", false]
    ]
    for (const [name, type, flag] of accounts) {
      await db.schema.alterTable("accounts").addColumn(name, type, (c) => (flag ? c.notNull().defaultTo(0) : c)).execute()
    }
    await db.schema.createIndex("accounts_referral").on("accounts").column("referral").unique().execute()
    // Services that existed before were collected at once (v1): they count as activated, monitored daily.
    await db.schema.alterTable("services").addColumn("is_activated", "integer", (c) => c.notNull().defaultTo(1)).execute()
    await db.schema.alterTable("services").addColumn("monitoring", "text", (c) => c.notNull().defaultTo("daily")).execute()
    await db.schema.alterTable("services").addColumn("is_archived", "integer", (c) => c.notNull().defaultTo(0)).execute()

    await db.schema.createTable("templates")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addColumn("company_name", "text", (c) => c.notNull())
      .addColumn("company_logo", "text")
      .addColumn("company_email", "text")
      .addColumn("description", "text")
      .addColumn("redirect_uris", "text", (c) => c.notNull())
      .execute()
    await db.schema.createIndex("templates_user").on("templates").columns(["user_uid", "created"]).execute()

    await db.schema.createTable("forms")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addColumn("template_uid", "text")
      .addColumn("code", "text", (c) => c.notNull().unique())
      .addColumn("customer_email", "text")
      .addColumn("utility", "text")
      .addColumn("scope_expires", "text", (c) => c.notNull())
      .addColumn("authorization_uid", "text")
      .addColumn("is_archived", "integer", (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema.createIndex("forms_user").on("forms").columns(["user_uid", "created"]).execute()
  }
}

/** Events (an outbox written with the data it describes), webhook endpoints, their delivery log, the prepaid ledger. */
const events: Migration = {
  async up(db: AnyDb) {
    const serial = (table: string, column = "id") => serialTable(db, table, column)

    await serial("events", "seq")
      .addColumn("uid", "text", (c) => c.notNull().unique())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("ts", "bigint", (c) => c.notNull())
      .addColumn("authorization_uid", "text")
      .addColumn("meter_uid", "text")
      .addColumn("form_uid", "text")
      .addColumn("webhook_uid", "text")
      .addColumn("delivery_target", "text")
      .addColumn("is_delivered", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("first_failure", "bigint")
      .addColumn("next_attempt", "bigint")
      .addColumn("locked_until", "bigint")
      .execute()
    await db.schema.createIndex("events_user").on("events").columns(["user_uid", "seq"]).execute()
    // The worker's scan: only rows with something to send carry a next_attempt.
    await db.schema.createIndex("events_due").on("events").columns(["next_attempt", "seq"])
      .where(sql.ref("next_attempt"), "is not", null).execute()

    await db.schema.createTable("webhooks")
      .addColumn("uid", "text", (c) => c.primaryKey())
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("events", "text")
      .addColumn("sealed_secret", "text", (c) => c.notNull())
      .addColumn("created", "bigint", (c) => c.notNull())
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addColumn("disabled", "bigint")
      .addColumn("disabled_reason", "text")
      .execute()
    await db.schema.createIndex("webhooks_user").on("webhooks").columns(["user_uid", "created"]).execute()

    await serial("deliveries")
      .addColumn("webhook_uid", "text", (c) => c.notNull())
      .addColumn("event_uid", "text", (c) => c.notNull())
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("ts", "bigint", (c) => c.notNull())
      .addColumn("status", "integer")
      .addColumn("latency_ms", "double precision", (c) => c.notNull())
      .addColumn("reply", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("delivered", "integer", (c) => c.notNull())
      .execute()
    await db.schema.createIndex("deliveries_webhook").on("deliveries").columns(["webhook_uid", "id"]).execute()

    await serial("ledger")
      .addColumn("user_uid", "text", (c) => c.notNull())
      .addColumn("ts", "bigint", (c) => c.notNull())
      .addColumn("amount", "bigint", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      // Unique: a collection retried after a crash cannot be charged twice.
      .addColumn("ref", "text", (c) => c.unique())
      .execute()
    await db.schema.createIndex("ledger_user").on("ledger").columns(["user_uid", "id"]).execute()
  }
}

/** Dashboard sign-in: sessions are `browser` tokens (already stored); this keeps the failed attempts that lock an email out. */
const sessions: Migration = {
  async up(db: AnyDb) {
    await db.schema.createTable("login_failures")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("count", "bigint", (c) => c.notNull())
      .addColumn("first_at", "bigint", (c) => c.notNull())
      .execute()
  }
}

/**
 * Fair claiming (each job remembers its owner, running jobs are found by their lease, owners by when
 * they were last served) and worker heartbeats for readiness.
 */
const fairJobs: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("jobs").addColumn("user_uid", "text").execute()
    await sql`update jobs set user_uid = (select a.user_uid from accounts a where a.uid = jobs.target_uid) where kind = 'account'`.execute(db)
    await sql`update jobs set user_uid = (select s.user_uid from services s where s.uid = jobs.target_uid) where kind = 'service'`.execute(db)
    await db.schema.createIndex("jobs_leased").on("jobs").columns(["locked_until"]).execute()
    await db.schema.createTable("job_owners")
      .addColumn("user_uid", "text", (c) => c.primaryKey())
      .addColumn("last_claimed", "bigint", (c) => c.notNull())
      .execute()
    await db.schema.createTable("worker_heartbeats")
      .addColumn("worker_id", "text", (c) => c.primaryKey())
      .addColumn("beat", "bigint", (c) => c.notNull())
      .execute()
  }
}

const migrations: Record<string, Migration> = {
  "0001_init": init,
  "0002_workflow": workflow,
  "0003_events": events,
  "0004_fair_jobs": fairJobs,
  "0005_sessions": sessions
}

/**
 * The migrator. On PostgreSQL its bookkeeping tables live in the connection's
 * current schema: Kysely otherwise looks for them in any schema, so a second
 * Meterbridge (or a test run) in another schema of the same database would be
 * taken for this one.
 */
export const migrator = async (db: AnyDb) => {
  const schema = isSqlite(db)
    ? undefined
    : (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
  return new Migrator({
    db,
    // Unordered: migrations written on parallel branches (0004 after 0005 was applied) still apply; each is independent.
    allowUnorderedMigrations: true,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema })
  })
}

/** Brings the schema up to date; throws the migration's error if one fails. */
export const migrate = async (db: AnyDb): Promise<MigrationResultSet> => {
  const result = await (await migrator(db)).migrateToLatest()
  if (result.error !== undefined) throw result.error
  return result
}
