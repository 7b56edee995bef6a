/**
 * The Store port: everything Meterbridge persists. Implementations (memory,
 * SQLite, PostgreSQL) all pass `@meterbridge/testkit`'s Store suite.
 * Every method is one atomic unit: it completes or changes nothing.
 */
import { Context, Effect, Schema } from "effect"
import type { Stream } from "effect"
import type { AuthType } from "./Account.ts"
import type { CollectedBill, CollectedInterval } from "./Collector.ts"
import type { Flow } from "./Interval.ts"
import type { Log } from "./Log.ts"
import type { ServiceDetails } from "./Service.ts"
import type { Micros } from "./Timestamp.ts"
import type { TokenType } from "./Token.ts"

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Unknown)
}) {}

/** A write would break a uniqueness rule (e.g. an email already taken). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}) {}

export interface UserRecord {
  readonly uid: string
  readonly email: string
  /** A self-describing password hash (scrypt/PBKDF2 string); null for users who only use tokens. */
  readonly password_hash: string | null
  readonly created: Micros
}

export interface TokenRecord {
  readonly uid: string
  readonly user_uid: string
  readonly type: TokenType
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  readonly secret_hash: string
  readonly created: Micros
  readonly expires: Micros | null
  readonly request_count: number
  readonly signup_count: number
}

export interface AccountRecord {
  readonly uid: string
  readonly user_uid: string
  readonly utility: string
  readonly created: Micros
  readonly auth_type: AuthType
  readonly auth: string
  readonly auth_expires: Micros | null
  readonly login: string
  /** Absent until collection has said anything. */
  readonly latest: Log | null
  /** The adapter's Grant, sealed by the Vault (AEAD ciphertext, base64url). */
  readonly sealed_grant: string
  /** An adapter's handle for a pending authorization (OAuth state, agreement id), unique when set. */
  readonly authorization_ref: string | null
  /** Where the customer must go to approve access, while that is pending. */
  readonly authorization_url: string | null
  // The v2 view of the same account (an Authorization). Accounts added through v1 have no form.
  /** The form the customer authorized through; such accounts collect only once asked to (historical collection, monitoring). */
  readonly form_uid: string | null
  readonly template_uid: string | null
  /** The code the customer's redirect carries (`?referral=`), unique when set. */
  readonly referral: string | null
  readonly customer_email: string | null
  /** Created by test-submit or a `UAPI_TEST_` username: deletable, never billed. */
  readonly is_test: boolean
  readonly is_archived: boolean
  readonly nickname: string | null
  /** When the customer declined; the account never collects. */
  readonly declined: Micros | null
  /** When access was revoked (the first time); the account's services and data are gone. */
  readonly revoked: Micros | null
}

export type MonitoringFrequency = "off" | "daily" | "weekly" | "monthly"

export interface TemplateRecord {
  readonly uid: string
  readonly user_uid: string
  readonly created: Micros
  readonly updated: Micros
  readonly company_name: string
  readonly company_logo: string | null
  readonly company_email: string | null
  readonly description: string | null
  /** Where the customer may be sent after the form; the first is the default. */
  readonly redirect_uris: ReadonlyArray<string>
}

export interface FormRecord {
  readonly uid: string
  readonly user_uid: string
  readonly created: Micros
  readonly updated: Micros
  readonly template_uid: string | null
  /** The unguessable code in the form's URL (`?f=`). */
  readonly code: string
  readonly customer_email: string | null
  /** Preselected utility, or null for the customer's choice. */
  readonly utility: string | null
  /** How long the authorization lasts: a duration (`3y`, `30d`, `6m`), an ISO 8601 instant, or `until_revoked`. */
  readonly scope_expires: string
  /** Set when the form re-authorizes an existing authorization. */
  readonly authorization_uid: string | null
  readonly is_archived: boolean
}

export interface ServiceRecord extends ServiceDetails {
  readonly uid: string
  readonly user_uid: string
  readonly account_uid: string
  readonly utility: string
  readonly created: Micros
  readonly active_until: Micros | null
  readonly latest: Log | null
  /** When data collection last finished successfully. */
  readonly last_collected: Micros | null
  /** Whether collection of this service's data was ever asked for (v1: at once; v2: historical collection or monitoring). */
  readonly is_activated: boolean
  /** How often an active service is collected again. */
  readonly monitoring: MonitoringFrequency
  readonly is_archived: boolean
}

/** What the Store derives from a service's bills and intervals, kept current by every write so reads never scan data. */
export interface ServiceFigures {
  readonly bill_coverage: ReadonlyArray<readonly [Micros, Micros]>
  readonly bill_count: number
  readonly interval_coverage: ReadonlyArray<readonly [Micros, Micros]>
  readonly interval_count: number
}

/** A service with its derived figures: what `getService` and `listServices` answer. */
export interface ServiceWithFigures extends ServiceRecord, ServiceFigures {}

export interface BillRecord extends CollectedBill {
  readonly service_uid: string
  readonly utility: string
  readonly updated: Micros
}

export interface IntervalRecord extends CollectedInterval {
  readonly service_uid: string
  readonly utility: string
  readonly updated: Micros
}

export type JobKind = "account" | "service"

export interface Job {
  readonly id: string
  readonly kind: JobKind
  readonly target_uid: string
  /** Kind-specific parameters, JSON (e.g. `{ update_data: false }`). */
  readonly params: { readonly [key: string]: unknown }
  readonly run_at: Micros
  readonly attempts: number
  readonly locked_until: Micros | null
}

export interface ClaimOptions {
  /** At most this many jobs of one user run at once (a quota; concurrent claimers may exceed it by their number − 1). */
  readonly maxRunningPerUser?: number
}

export type RegistrationStatus = "pending" | "live"

/** What happened, as UtilityAPI names it (see `Events.ts`). */
export type EventType =
  | "ping"
  | "form_created"
  | "authorization_created"
  | "authorization_declined"
  | "authorization_update_started"
  | "authorization_update_finished_successful"
  | "authorization_update_finished_errored"
  | "authorization_revoked"
  | "authorization_expired"
  | "meter_created"
  | "meter_bills_added"
  | "meter_intervals_added"
  | "meter_historical_collection_started"
  | "meter_historical_collection_finished_successful"
  | "meter_historical_collection_finished_errored"
  | "webhook_disabled"

/** An event as core records it; the Store fans it out to the user's webhook endpoints. */
export interface EventInput {
  readonly type: EventType
  readonly user_uid: string
  readonly ts: Micros
  readonly authorization_uid?: string | null
  readonly meter_uid?: string | null
  readonly form_uid?: string | null
  /** Only to this endpoint, whatever it subscribes to (a ping). */
  readonly webhook_uid?: string
  /**
   * Not added when the same event (type, meter, endpoint) is still waiting unsent: "new bills for this meter"
   * is one fact however many batches a collection writes.
   */
  readonly coalesce?: boolean
}

/**
 * One event for one delivery target (UtilityAPI's model: `delivery_target` names the endpoint), with its
 * delivery state. An event no endpoint wants has no target and waits to be polled (`GET /events?is_delivered=false`).
 */
export interface EventRecord {
  readonly uid: string
  /** Insertion order, for "newest first" and `after`. */
  readonly seq: number
  readonly user_uid: string
  readonly type: EventType
  readonly ts: Micros
  readonly authorization_uid: string | null
  readonly meter_uid: string | null
  readonly form_uid: string | null
  readonly webhook_uid: string | null
  readonly delivery_method: "webhook" | null
  readonly delivery_target: string | null
  readonly is_delivered: boolean
  /** Failed attempts since the last success or reschedule. */
  readonly attempts: number
  readonly first_failure: Micros | null
  /** When the worker sends it next; null when there is nothing to send. */
  readonly next_attempt: Micros | null
  readonly locked_until: Micros | null
}

export interface WebhookRecord {
  readonly uid: string
  readonly user_uid: string
  readonly url: string
  /** The event types it receives; null for all. */
  readonly events: ReadonlyArray<EventType> | null
  /** The `whsec_` secret, sealed by the Vault. */
  readonly sealed_secret: string
  readonly created: Micros
  readonly updated: Micros
  /** Set when deliveries stopped (failing for too long, or 410 Gone); null while enabled. */
  readonly disabled: Micros | null
  readonly disabled_reason: string | null
}

/** One delivery attempt, for the endpoint's delivery log. */
export interface DeliveryRecord {
  readonly id: string
  readonly webhook_uid: string
  readonly event_uid: string
  readonly attempt: number
  readonly ts: Micros
  readonly status: number | null
  readonly latency_ms: number
  /** The first bytes of the reply. */
  readonly reply: string
  readonly error: string | null
  readonly delivered: boolean
}

/** A line of a user's prepaid ledger. Amounts are integer micro-dollars: credits positive, debits negative. */
export interface LedgerEntry {
  readonly id: string
  readonly user_uid: string
  readonly ts: Micros
  readonly amount: number
  readonly description: string
  /** What the entry pays for (e.g. one collection); an entry with a ref already in the ledger is not added again. */
  readonly ref: string | null
}

export interface IntervalQuery {
  readonly start?: Micros
  readonly end?: Micros
  readonly flow?: Flow
}

export interface UpsertResult {
  /** Rows that did not exist before. */
  readonly inserted: number
  /** Rows that existed with different values and were replaced. */
  readonly changed: number
}

export interface StoreShape {
  // Users and tokens
  readonly createUser: (user: UserRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly getUser: (uid: string) => Effect.Effect<UserRecord | undefined, StoreError>
  readonly findUserByEmail: (email: string) => Effect.Effect<UserRecord | undefined, StoreError>
  readonly countUsers: Effect.Effect<number, StoreError>
  /** Every user, ordered by created then uid (operator listings). */
  readonly listUsers: Effect.Effect<ReadonlyArray<UserRecord>, StoreError>
  /**
   * Changes the user's email and/or password hash (fields left out stay as they
   * are). Conflict, changing nothing, when the email belongs to another user
   * (compared exactly, as `findUserByEmail` does). An unknown uid changes nothing.
   */
  readonly updateUser: (
    uid: string,
    patch: { readonly email?: string; readonly password_hash?: string | null }
  ) => Effect.Effect<void, StoreError | Conflict>
  readonly createToken: (token: TokenRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly findTokenBySecretHash: (hash: string) => Effect.Effect<TokenRecord | undefined, StoreError>
  readonly getToken: (uid: string) => Effect.Effect<TokenRecord | undefined, StoreError>
  readonly listTokens: (userUid: string) => Effect.Effect<ReadonlyArray<TokenRecord>, StoreError>
  readonly updateTokenExpiry: (uid: string, expires: Micros | null) => Effect.Effect<void, StoreError>
  readonly incrementTokenRequests: (uid: string, by: number) => Effect.Effect<void, StoreError>

  // Invites: single-use codes an operator mints for `POST /users/new`
  readonly createInvite: (codeHash: string, created: Micros, expires: Micros | null) => Effect.Effect<void, StoreError>
  /** Marks the invite used by `userUid`; false when unknown, expired at `now`, or already used. */
  readonly redeemInvite: (codeHash: string, userUid: string, now: Micros) => Effect.Effect<boolean, StoreError>

  // Failed sign-ins (dashboard lockout), keyed by the lowercased email
  /**
   * Counts one failed sign-in for `key` at `now` and returns the count of the
   * current window. A window opens at a key's first failure; one that opened
   * before `windowStart` has lapsed, and the count starts again at 1.
   */
  readonly recordLoginFailure: (key: string, now: Micros, windowStart: Micros) => Effect.Effect<number, StoreError>
  /** Failures in the window opened at or after `windowStart`; 0 for none or a lapsed window. */
  readonly countLoginFailures: (key: string, windowStart: Micros) => Effect.Effect<number, StoreError>
  /** Forgets the failures of `key` (after a successful sign-in or a new password). */
  readonly clearLoginFailures: (key: string) => Effect.Effect<void, StoreError>

  // Third-party registrations with utilities
  readonly getRegistration: (userUid: string, utility: string) => Effect.Effect<RegistrationStatus | undefined, StoreError>
  readonly setRegistration: (userUid: string, utility: string, status: RegistrationStatus) => Effect.Effect<void, StoreError>
  readonly listRegistrations: (
    userUid: string
  ) => Effect.Effect<ReadonlyArray<{ readonly utility: string; readonly status: RegistrationStatus }>, StoreError>

  // Single-use nonces (confirmation codes)
  /** Records the nonce; false if it was already consumed. */
  readonly consumeNonce: (nonce: string, expires: Micros) => Effect.Effect<boolean, StoreError>

  // Accounts
  readonly createAccount: (account: AccountRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly getAccount: (uid: string) => Effect.Effect<AccountRecord | undefined, StoreError>
  readonly findAccountByAuthorizationRef: (ref: string) => Effect.Effect<AccountRecord | undefined, StoreError>
  readonly listAccounts: (userUid: string) => Effect.Effect<ReadonlyArray<AccountRecord>, StoreError>
  readonly updateAccount: (
    uid: string,
    patch: Partial<Omit<AccountRecord, "uid" | "user_uid" | "utility" | "created">>
  ) => Effect.Effect<void, StoreError>
  /** Deletes the account, its services, their bills and intervals, and their jobs. */
  readonly deleteAccount: (uid: string) => Effect.Effect<void, StoreError>
  /** Deletes the account's services with their bills, intervals and jobs, keeping the account (revocation). */
  readonly deleteAccountServices: (uid: string) => Effect.Effect<void, StoreError>

  // Templates and forms (the customer's authorization page)
  readonly createTemplate: (template: TemplateRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly getTemplate: (uid: string) => Effect.Effect<TemplateRecord | undefined, StoreError>
  /** The user's templates, ordered by created then uid. */
  readonly listTemplates: (userUid: string) => Effect.Effect<ReadonlyArray<TemplateRecord>, StoreError>
  readonly deleteTemplate: (uid: string) => Effect.Effect<void, StoreError>
  readonly createForm: (form: FormRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly getForm: (uid: string) => Effect.Effect<FormRecord | undefined, StoreError>
  readonly findFormByCode: (code: string) => Effect.Effect<FormRecord | undefined, StoreError>
  /** The user's forms, ordered by created then uid. */
  readonly listForms: (userUid: string) => Effect.Effect<ReadonlyArray<FormRecord>, StoreError>
  readonly deleteForm: (uid: string) => Effect.Effect<void, StoreError>

  // Services
  /**
   * Inserts or updates the service identified by (account_uid, utility_service_id),
   * keeping uid, created, active_until, latest, last_collected, is_activated, monitoring
   * and is_archived of an existing one. Returns the stored record.
   */
  readonly upsertService: (service: ServiceRecord) => Effect.Effect<ServiceRecord, StoreError>
  readonly getService: (uid: string) => Effect.Effect<ServiceWithFigures | undefined, StoreError>
  readonly listServices: (userUid: string) => Effect.Effect<ReadonlyArray<ServiceWithFigures>, StoreError>
  readonly listAccountServices: (accountUid: string) => Effect.Effect<ReadonlyArray<ServiceRecord>, StoreError>
  /** Services with `active_until` after `now` whose last collection is older than `staleBefore` (or never). */
  readonly listServicesDue: (now: Micros, staleBefore: Micros) => Effect.Effect<ReadonlyArray<ServiceRecord>, StoreError>
  readonly updateService: (
    uid: string,
    patch: Partial<Pick<ServiceRecord, "active_until" | "latest" | "last_collected" | "is_activated" | "monitoring" | "is_archived">>
  ) => Effect.Effect<void, StoreError>
  /** Deletes every bill and interval of the service. */
  readonly resetServiceData: (uid: string) => Effect.Effect<void, StoreError>

  // Bills and intervals
  /** Upserts by (service_uid, bill_start_date, bill_end_date); identical rows are left untouched. */
  readonly upsertBills: (bills: ReadonlyArray<BillRecord>) => Effect.Effect<UpsertResult, StoreError>
  readonly streamBills: (serviceUid: string) => Stream.Stream<BillRecord, StoreError>
  /**
   * Upserts by (service_uid, flow, interval_start) in one transaction; a
   * corrected reading replaces the old one, identical rows are left untouched.
   */
  readonly upsertIntervals: (intervals: ReadonlyArray<IntervalRecord>) => Effect.Effect<UpsertResult, StoreError>
  /** Intervals ordered by start, read in pages so memory stays flat. Default flow: delivered. */
  readonly streamIntervals: (serviceUid: string, query?: IntervalQuery) => Stream.Stream<IntervalRecord, StoreError>

  // Collection jobs: at-least-once, leased
  /** Adds a job unless one for the same (kind, target) is waiting; returns the waiting or new job id. */
  readonly enqueueJob: (
    job: Pick<Job, "kind" | "target_uid" | "params" | "run_at">
  ) => Effect.Effect<string, StoreError>
  /**
   * Atomically takes a job due at `now` whose lease is free or lapsed, leasing it until `leaseUntil`.
   * Fair between users (the owners of the jobs' accounts and services): the job of the user with the
   * fewest jobs running (leased) goes first, then the earliest; a user with `maxRunningPerUser` jobs
   * running gets none until one ends. One user's backlog never starves another's.
   */
  readonly claimJob: (now: Micros, leaseUntil: Micros, options?: ClaimOptions) => Effect.Effect<Job | undefined, StoreError>
  readonly extendLease: (id: string, leaseUntil: Micros) => Effect.Effect<void, StoreError>
  readonly completeJob: (id: string) => Effect.Effect<void, StoreError>
  /** Releases the lease and reschedules the job for `runAt`, counting an attempt. */
  readonly retryJob: (id: string, runAt: Micros) => Effect.Effect<void, StoreError>
  readonly listJobs: Effect.Effect<ReadonlyArray<Job>, StoreError>

  /**
   * Runs `use` as one unit of work against a Store that sees its own writes: every write in it commits
   * together or not at all (a failure, defect or interruption rolls all of them back). It serializes with
   * other writers, so `use` must only touch the Store (no network). Prefer `atomically` below.
   */
  readonly atomically: <A, E, R>(use: (tx: StoreShape) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>

  // Events: an outbox written with the change it describes (inside `atomically`)
  /** Adds each event once per endpoint of its user that receives its type, or once without a target. */
  readonly appendEvents: (events: ReadonlyArray<EventInput>) => Effect.Effect<void, StoreError>
  readonly getEvent: (uid: string) => Effect.Effect<EventRecord | undefined, StoreError>
  /** The user's events, newest first, at most `limit`; `beforeSeq` pages; `is_delivered` filters. */
  readonly listEvents: (
    userUid: string,
    query: { readonly is_delivered?: boolean; readonly beforeSeq?: number; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<EventRecord>, StoreError>
  readonly updateEvent: (
    uid: string,
    patch: Partial<Pick<EventRecord, "is_delivered" | "attempts" | "first_failure" | "next_attempt" | "locked_until">>
  ) => Effect.Effect<void, StoreError>
  /**
   * Leases up to `limit` events due at `now` (undelivered, `next_attempt` reached, lease free or lapsed) whose
   * endpoint exists and is enabled, earliest first. Two claimers never get the same event.
   */
  readonly claimEvents: (now: Micros, leaseUntil: Micros, limit: number) => Effect.Effect<ReadonlyArray<EventRecord>, StoreError>
  /** Undelivered events of the endpoint become due at `now` with a fresh retry run (an endpoint enabled again). */
  readonly rescheduleEvents: (webhookUid: string, now: Micros) => Effect.Effect<void, StoreError>

  // Webhook endpoints and their delivery log
  readonly createWebhook: (webhook: WebhookRecord) => Effect.Effect<void, StoreError | Conflict>
  readonly getWebhook: (uid: string) => Effect.Effect<WebhookRecord | undefined, StoreError>
  /** The user's endpoints, ordered by created then uid. */
  readonly listWebhooks: (userUid: string) => Effect.Effect<ReadonlyArray<WebhookRecord>, StoreError>
  readonly updateWebhook: (
    uid: string,
    patch: Partial<Pick<WebhookRecord, "url" | "events" | "sealed_secret" | "updated" | "disabled" | "disabled_reason">>
  ) => Effect.Effect<void, StoreError>
  /** Deletes the endpoint and its delivery log; its events stay, never sent again. */
  readonly deleteWebhook: (uid: string) => Effect.Effect<void, StoreError>
  readonly addDelivery: (delivery: Omit<DeliveryRecord, "id">) => Effect.Effect<string, StoreError>
  readonly getDelivery: (id: string) => Effect.Effect<DeliveryRecord | undefined, StoreError>
  /** The endpoint's attempts, newest first, at most `limit`. */
  readonly listDeliveries: (webhookUid: string, limit: number) => Effect.Effect<ReadonlyArray<DeliveryRecord>, StoreError>

  // Prepaid ledger
  /** Adds the entry; false (nothing added) when its `ref` is already in the ledger. */
  readonly addLedgerEntry: (entry: Omit<LedgerEntry, "id">) => Effect.Effect<boolean, StoreError>
  /** The sum of the user's entries, micro-dollars. */
  readonly balance: (userUid: string) => Effect.Effect<number, StoreError>
  /** The user's entries, newest first. */
  readonly listLedger: (userUid: string) => Effect.Effect<ReadonlyArray<LedgerEntry>, StoreError>
}

export class Store extends Context.Service<Store, StoreShape>()("@meterbridge/core/Store") {}

/**
 * One unit of work: `use` runs with `Store` bound to the transaction, so code inside cannot reach around it
 * (on SQLite, a query outside the open transaction would wait for it forever).
 */
export const atomically = <A, E, R>(use: (tx: StoreShape) => Effect.Effect<A, E, R>) =>
  Store.use((store) => store.atomically((tx) => Effect.provideService(use(tx), Store, tx)))

/** The workflow fields of an account added through v1's `POST /accounts/add` (no form): a base for records built by hand. */
export const v1AccountFields = {
  form_uid: null,
  template_uid: null,
  referral: null,
  customer_email: null,
  is_test: false,
  is_archived: false,
  nickname: null,
  declined: null,
  revoked: null
} as const satisfies Partial<AccountRecord>

/** The workflow fields of a service of a v1 account: collected at once, then daily. */
export const v1ServiceFields = {
  is_activated: true,
  monitoring: "daily",
  is_archived: false
} as const satisfies Partial<ServiceRecord>
