/**
 * The Store port: everything Meterbridge persists. Implementations (memory,
 * SQLite, PostgreSQL) all pass `@meterbridge/testkit`'s Store suite.
 * Every method is one atomic unit: it completes or changes nothing.
 */
import { Context, Schema } from "effect"
import type { Effect, Stream } from "effect"
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

/** A service as the API shows it: the record joined with its account and its derived figures. */
export interface ServiceView extends ServiceRecord {
  readonly account_auth_type: AuthType
  readonly account_auth: string
  readonly bill_coverage: ReadonlyArray<readonly [Micros, Micros]>
  readonly bill_count: number
  readonly interval_coverage: ReadonlyArray<readonly [Micros, Micros]>
  readonly interval_count: number
}

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
  readonly getService: (uid: string) => Effect.Effect<ServiceView | undefined, StoreError>
  readonly listServices: (userUid: string) => Effect.Effect<ReadonlyArray<ServiceView>, StoreError>
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
}

export class Store extends Context.Service<Store, StoreShape>()("@meterbridge/core/Store") {}

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
