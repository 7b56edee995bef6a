/**
 * The events core records about authorizations, meters and forms (UtilityAPI's names), for webhooks and
 * `GET /events`. They are written by the commands and jobs that make the change, in the same unit of work
 * (`Store.atomically`): a crash can never keep the data without its event, or the event without its data.
 */
import { Effect } from "effect"
import { Store, type AccountRecord, type EventInput, type EventType, type ServiceRecord } from "./Store.ts"
import type { Micros } from "./Timestamp.ts"

export type { EventInput, EventRecord, EventType } from "./Store.ts"

export const TYPES: ReadonlyArray<EventType> = [
  "ping",
  "form_created",
  "authorization_created",
  "authorization_declined",
  "authorization_update_started",
  "authorization_update_finished_successful",
  "authorization_update_finished_errored",
  "authorization_revoked",
  "authorization_expired",
  "meter_created",
  "meter_bills_added",
  "meter_intervals_added",
  "meter_historical_collection_started",
  "meter_historical_collection_finished_successful",
  "meter_historical_collection_finished_errored",
  "webhook_disabled"
]

export const isType = (value: unknown): value is EventType => typeof value === "string" && (TYPES as ReadonlyArray<string>).includes(value)

/** Appends events through the Store in context: inside `Store.atomically`, the unit of work's. */
export const record = (events: ReadonlyArray<EventInput>) => Store.use((s) => s.appendEvents(events))

export const forAccount = (type: EventType, account: Pick<AccountRecord, "uid" | "user_uid">, ts: Micros): EventInput => ({
  type,
  user_uid: account.user_uid,
  ts,
  authorization_uid: account.uid
})

/** "Data added" events coalesce: one waiting event says it however many batches a collection writes. */
export const forMeter = (type: EventType, meter: Pick<ServiceRecord, "uid" | "user_uid" | "account_uid">, ts: Micros): EventInput => ({
  type,
  user_uid: meter.user_uid,
  ts,
  authorization_uid: meter.account_uid,
  meter_uid: meter.uid,
  ...(type === "meter_bills_added" || type === "meter_intervals_added" ? { coalesce: true } : {})
})

export const recordOne = (event: EventInput) => record([event]).pipe(Effect.asVoid)
