/** The Store's events (outbox), webhook endpoints, delivery log and prepaid ledger over Kysely. */
import { Ids, type Store } from "@meterbridge/core"
import { Effect } from "effect"
import { type Kysely, type Selectable, sql } from "kysely"
import type { Database, DeliveriesTable, EventsTable, LedgerTable, WebhooksTable } from "../Database.ts"
import type { Dialect } from "./intervals.ts"
import { insertUnique, query, transaction } from "./run.ts"

type Outbox = Pick<
  Store.StoreShape,
  | "appendEvents" | "getEvent" | "listEvents" | "updateEvent" | "claimEvents" | "rescheduleEvents"
  | "createWebhook" | "getWebhook" | "listWebhooks" | "updateWebhook" | "deleteWebhook"
  | "addDelivery" | "getDelivery" | "listDeliveries"
  | "addLedgerEntry" | "balance" | "listLedger"
>

const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v))
/** Ids are integers; a malformed id matches nothing instead of failing in the database. */
const serialId = (id: string): number => (/^\d{1,15}$/.test(id) ? Number(id) : -1)

const event = (r: Selectable<EventsTable>): Store.EventRecord => ({
  uid: r.uid,
  seq: Number(r.seq),
  user_uid: r.user_uid,
  type: r.type as Store.EventType,
  ts: Number(r.ts),
  authorization_uid: r.authorization_uid,
  meter_uid: r.meter_uid,
  form_uid: r.form_uid,
  webhook_uid: r.webhook_uid,
  delivery_method: r.webhook_uid === null ? null : "webhook",
  delivery_target: r.delivery_target,
  is_delivered: Boolean(r.is_delivered),
  attempts: Number(r.attempts),
  first_failure: numOrNull(r.first_failure),
  next_attempt: numOrNull(r.next_attempt),
  locked_until: numOrNull(r.locked_until)
})

const webhook = (r: Selectable<WebhooksTable>): Store.WebhookRecord => ({
  uid: r.uid,
  user_uid: r.user_uid,
  url: r.url,
  events: r.events === null ? null : JSON.parse(r.events) as Array<Store.EventType>,
  sealed_secret: r.sealed_secret,
  created: Number(r.created),
  updated: Number(r.updated),
  disabled: numOrNull(r.disabled),
  disabled_reason: r.disabled_reason
})

const delivery = (r: Selectable<DeliveriesTable>): Store.DeliveryRecord => ({
  id: String(r.id),
  webhook_uid: r.webhook_uid,
  event_uid: r.event_uid,
  attempt: Number(r.attempt),
  ts: Number(r.ts),
  status: numOrNull(r.status),
  latency_ms: Number(r.latency_ms),
  reply: r.reply,
  error: r.error,
  delivered: Boolean(r.delivered)
})

const ledgerEntry = (r: Selectable<LedgerTable>): Store.LedgerEntry => ({
  id: String(r.id),
  user_uid: r.user_uid,
  ts: Number(r.ts),
  amount: Number(r.amount),
  description: r.description,
  ref: r.ref
})

const definedOnly = <T extends object>(patch: T) =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>

export const outbox = (db: Kysely<Database>, dialect: Dialect): Outbox => ({
  appendEvents: (inputs) =>
    inputs.length === 0 ? Effect.void : transaction(db, "appendEvents", (trx) =>
      query("appendEvents", async () => {
        for (const e of inputs) {
          let targets = e.webhook_uid !== undefined
            ? await trx.selectFrom("webhooks").selectAll().where("uid", "=", e.webhook_uid).execute()
            : await trx.selectFrom("webhooks").selectAll().where("user_uid", "=", e.user_uid).where("disabled", "is", null)
              .orderBy("created").orderBy("uid").execute()
          if (e.webhook_uid === undefined) {
            targets = targets.filter((w) => w.events === null || (JSON.parse(w.events) as Array<string>).includes(e.type))
          }
          for (const w of targets.length === 0 ? [undefined] : targets) {
            const webhook_uid = w?.uid ?? null
            const meter_uid = e.meter_uid ?? null
            if (e.coalesce) {
              const waiting = await trx.selectFrom("events").select("seq")
                .where("user_uid", "=", e.user_uid).where("type", "=", e.type)
                .where("meter_uid", meter_uid === null ? "is" : "=", meter_uid)
                .where("webhook_uid", webhook_uid === null ? "is" : "=", webhook_uid)
                .where("is_delivered", "=", 0).where("attempts", "=", 0).where("locked_until", "is", null)
                .limit(1).executeTakeFirst()
              if (waiting !== undefined) continue
            }
            await trx.insertInto("events").values({
              uid: Ids.newUid(),
              user_uid: e.user_uid,
              type: e.type,
              ts: e.ts,
              authorization_uid: e.authorization_uid ?? null,
              meter_uid,
              form_uid: e.form_uid ?? null,
              webhook_uid,
              delivery_target: w?.url ?? null,
              is_delivered: 0,
              attempts: 0,
              first_failure: null,
              next_attempt: w === undefined ? null : e.ts,
              locked_until: null
            }).execute()
          }
        }
      })),
  getEvent: (uid) =>
    query("getEvent", () => db.selectFrom("events").selectAll().where("uid", "=", uid).executeTakeFirst())
      .pipe(Effect.map((r) => r && event(r))),
  listEvents: (userUid, q) =>
    query("listEvents", () => {
      let s = db.selectFrom("events").selectAll().where("user_uid", "=", userUid)
      if (q.is_delivered !== undefined) s = s.where("is_delivered", "=", q.is_delivered ? 1 : 0)
      if (q.beforeSeq !== undefined) s = s.where("seq", "<", q.beforeSeq)
      return s.orderBy("seq", "desc").limit(q.limit).execute()
    }).pipe(Effect.map((rows) => rows.map(event))),
  updateEvent: (uid, patch) => {
    const { is_delivered, ...rest } = definedOnly(patch)
    const set = { ...rest, ...(is_delivered === undefined ? {} : { is_delivered: is_delivered ? 1 : 0 }) }
    if (Object.keys(set).length === 0) return Effect.void
    return query("updateEvent", () => db.updateTable("events").set(set).where("uid", "=", uid).execute()).pipe(Effect.asVoid)
  },
  claimEvents: (now, leaseUntil, limit) =>
    query("claimEvents", async () => {
      // One statement: the pick and the lease cannot be split by another claimer (see claimJob).
      const pick = sql`select seq from events where next_attempt <= ${now} and is_delivered = 0
        and (locked_until is null or locked_until <= ${now})
        and webhook_uid in (select uid from webhooks where disabled is null)
        order by next_attempt, seq limit ${limit} ${dialect === "postgres" ? sql`for update skip locked` : sql``}`
      const result = await sql<Selectable<EventsTable>>`update events set locked_until = ${leaseUntil}
        where seq in (${pick}) and (locked_until is null or locked_until <= ${now}) returning *`.execute(db)
      return result.rows.map(event).sort((a, b) => a.next_attempt! - b.next_attempt! || a.seq - b.seq)
    }),
  rescheduleEvents: (webhookUid, now) =>
    query("rescheduleEvents", () =>
      db.updateTable("events").set({ attempts: 0, first_failure: null, next_attempt: now, locked_until: null })
        .where("webhook_uid", "=", webhookUid).where("is_delivered", "=", 0).execute()).pipe(Effect.asVoid),

  createWebhook: (w) =>
    insertUnique("createWebhook", `Webhook ${w.uid} already exists`, () =>
      db.insertInto("webhooks").values({ ...w, events: w.events === null ? null : JSON.stringify(w.events) }).execute())
      .pipe(Effect.asVoid),
  getWebhook: (uid) =>
    query("getWebhook", () => db.selectFrom("webhooks").selectAll().where("uid", "=", uid).executeTakeFirst())
      .pipe(Effect.map((r) => r && webhook(r))),
  listWebhooks: (userUid) =>
    query("listWebhooks", () =>
      db.selectFrom("webhooks").selectAll().where("user_uid", "=", userUid).orderBy("created").orderBy("uid").execute())
      .pipe(Effect.map((rows) => rows.map(webhook))),
  updateWebhook: (uid, patch) => {
    const { events, ...rest } = definedOnly(patch)
    const set = { ...rest, ...(events === undefined ? {} : { events: events === null ? null : JSON.stringify(events) }) }
    if (Object.keys(set).length === 0) return Effect.void
    return query("updateWebhook", () => db.updateTable("webhooks").set(set).where("uid", "=", uid).execute()).pipe(Effect.asVoid)
  },
  deleteWebhook: (uid) =>
    transaction(db, "deleteWebhook", (trx) =>
      query("deleteWebhook", async () => {
        await trx.deleteFrom("deliveries").where("webhook_uid", "=", uid).execute()
        await trx.deleteFrom("webhooks").where("uid", "=", uid).execute()
      })),
  addDelivery: (d) =>
    query("addDelivery", () =>
      db.insertInto("deliveries").values({ ...d, delivered: d.delivered ? 1 : 0 }).returning("id").executeTakeFirstOrThrow())
      .pipe(Effect.map((r) => String(r.id))),
  getDelivery: (id) =>
    query("getDelivery", () => db.selectFrom("deliveries").selectAll().where("id", "=", serialId(id)).executeTakeFirst())
      .pipe(Effect.map((r) => r && delivery(r))),
  listDeliveries: (webhookUid, limit) =>
    query("listDeliveries", () =>
      db.selectFrom("deliveries").selectAll().where("webhook_uid", "=", webhookUid).orderBy("id", "desc").limit(limit).execute())
      .pipe(Effect.map((rows) => rows.map(delivery))),

  addLedgerEntry: (entry) =>
    // ON CONFLICT DO NOTHING rather than catching the violation: inside a unit of work on PostgreSQL a failed
    // statement would abort the whole transaction.
    query("addLedgerEntry", () =>
      db.insertInto("ledger").values(entry).onConflict((oc) => oc.column("ref").doNothing()).returning("id").execute())
      .pipe(Effect.map((rows) => rows.length === 1)),
  balance: (userUid) =>
    query("balance", () =>
      db.selectFrom("ledger").select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>("amount"), sql<number>`0`).as("total"))
        .where("user_uid", "=", userUid).executeTakeFirstOrThrow())
      .pipe(Effect.map((r) => Number(r.total))),
  listLedger: (userUid) =>
    query("listLedger", () => db.selectFrom("ledger").selectAll().where("user_uid", "=", userUid).orderBy("id", "desc").execute())
      .pipe(Effect.map((rows) => rows.map(ledgerEntry)))
})
