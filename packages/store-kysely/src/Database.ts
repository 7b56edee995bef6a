/**
 * The tables behind the Store. Instants are integer epoch microseconds
 * (`bigint` columns: exact to 2^53, and PostgreSQL hands them back as
 * strings, so every read goes through `Number`). JSON values are text.
 */
import type { Generated } from "kysely"

type Int = number | string

export interface UsersTable {
  uid: string
  email: string
  password_hash: string | null
  created: Int
}

export interface TokensTable {
  uid: string
  user_uid: string
  type: string
  secret_hash: string
  created: Int
  expires: Int | null
  request_count: Int
  signup_count: Int
}

export interface InvitesTable {
  code_hash: string
  created: Int
  expires: Int | null
  used_by: string | null
}

export interface LoginFailuresTable {
  key: string
  count: Int
  first_at: Int
}

export interface RegistrationsTable {
  user_uid: string
  utility: string
  status: string
}

export interface NoncesTable {
  nonce: string
  expires: Int
}

export interface AccountsTable {
  uid: string
  user_uid: string
  utility: string
  created: Int
  auth_type: string
  auth: string
  auth_expires: Int | null
  login: string
  /** JSON of the `Log`. */
  latest: string | null
  sealed_grant: string
  authorization_ref: string | null
  authorization_url: string | null
  form_uid: string | null
  template_uid: string | null
  referral: string | null
  customer_email: string | null
  /** Booleans are 0/1 integers (SQLite has no boolean type). */
  is_test: Int
  is_archived: Int
  nickname: string | null
  declined: Int | null
  revoked: Int | null
}

export interface TemplatesTable {
  uid: string
  user_uid: string
  created: Int
  updated: Int
  company_name: string
  company_logo: string | null
  company_email: string | null
  description: string | null
  /** JSON array of strings. */
  redirect_uris: string
}

export interface FormsTable {
  uid: string
  user_uid: string
  created: Int
  updated: Int
  template_uid: string | null
  code: string
  customer_email: string | null
  utility: string | null
  scope_expires: string
  authorization_uid: string | null
  is_archived: Int
}

export interface ServicesTable {
  uid: string
  user_uid: string
  account_uid: string
  utility: string
  created: Int
  active_until: Int | null
  latest: string | null
  last_collected: Int | null
  is_activated: Int
  monitoring: string
  is_archived: Int
  utility_service_id: string
  utility_tariff_name: string | null
  utility_service_address: string | null
  utility_billing_account: string | null
  utility_billing_contact: string | null
  utility_billing_address: string | null
  utility_meter_number: string | null
  /** The derived figures, kept up to date by every bill and interval write so reads never scan data. */
  bill_count: Generated<Int>
  /** JSON `[[start, end], …]`. */
  bill_coverage: Generated<string>
  interval_count: Generated<Int>
  interval_coverage: Generated<string>
}

export interface BillsTable {
  service_uid: string
  bill_start_date: Int
  bill_end_date: Int
  utility: string
  utility_service_id: string | null
  utility_tariff_name: string | null
  utility_service_address: string | null
  utility_meter_number: string | null
  bill_statement_date: Int | null
  bill_total_kWh: number | null
  bill_total: number | null
  bill_breakdown: string | null
  source: string | null
  updated: Int
}

/**
 * The per-interval provenance (utility, service id, tariff, address, meter,
 * source) repeats across a year of readings; intervals reference it by id.
 */
export interface ProvenanceTable {
  id: Generated<Int>
  /** JSON array of the fields below: the identity of a provenance row. */
  key: string
  utility: string
  utility_service_id: string | null
  utility_tariff_name: string | null
  utility_service_address: string | null
  utility_meter_number: string | null
  source: string | null
}

export interface IntervalsTable {
  service_uid: string
  /** 0 delivered, 1 received, 2 net. */
  flow: number
  interval_start: Int
  interval_end: Int
  kwh: number | null
  kw: number | null
  /** 0 actual, 1 estimated, 2 questionable, 3 edited, 4 derived. */
  quality: number
  provenance_id: Int
  updated: Int
  /** 0 when inserted, +1 on every correction: tells inserted from changed in an upsert's RETURNING. */
  revision: Int
}

export interface JobsTable {
  id: Generated<Int>
  kind: string
  target_uid: string
  /** JSON object. */
  params: string
  run_at: Int
  attempts: Int
  locked_until: Int | null
  /** The owner of the target account or service when enqueued (0004): fair claiming between users. */
  user_uid: string | null
}

/** When each user's job was last claimed (0004): the fair claim serves the least recent first. */
export interface JobOwnersTable {
  user_uid: string
  last_claimed: Int
}

/** One row per live collection worker (0004): its last heartbeat, ms since the epoch. */
export interface WorkerHeartbeatsTable {
  worker_id: string
  beat: Int
}

/** The outbox: one row per event and delivery target, with its delivery state. */
export interface EventsTable {
  seq: Generated<Int>
  uid: string
  user_uid: string
  type: string
  ts: Int
  authorization_uid: string | null
  meter_uid: string | null
  form_uid: string | null
  webhook_uid: string | null
  delivery_target: string | null
  is_delivered: number
  attempts: Int
  first_failure: Int | null
  next_attempt: Int | null
  locked_until: Int | null
}

export interface WebhooksTable {
  uid: string
  user_uid: string
  url: string
  /** JSON array of event types, or null for all. */
  events: string | null
  sealed_secret: string
  created: Int
  updated: Int
  disabled: Int | null
  disabled_reason: string | null
}

export interface DeliveriesTable {
  id: Generated<Int>
  webhook_uid: string
  event_uid: string
  attempt: Int
  ts: Int
  status: Int | null
  latency_ms: number
  reply: string
  error: string | null
  delivered: number
}

export interface LedgerTable {
  id: Generated<Int>
  user_uid: string
  ts: Int
  amount: Int
  description: string
  ref: string | null
}

export interface Database {
  events: EventsTable
  webhooks: WebhooksTable
  deliveries: DeliveriesTable
  ledger: LedgerTable
  worker_heartbeats: WorkerHeartbeatsTable
  job_owners: JobOwnersTable
  users: UsersTable
  tokens: TokensTable
  invites: InvitesTable
  login_failures: LoginFailuresTable
  registrations: RegistrationsTable
  nonces: NoncesTable
  accounts: AccountsTable
  templates: TemplatesTable
  forms: FormsTable
  services: ServicesTable
  bills: BillsTable
  provenance: ProvenanceTable
  intervals: IntervalsTable
  jobs: JobsTable
}
