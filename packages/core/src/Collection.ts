/**
 * The collection state machine. Accounts and services move
 * `pending` → `updated` | `error`; `latest` always says where they are.
 *
 * Work happens in jobs (see `Worker.ts`): an account job authorizes and
 * discovers services, a service job collects bills and intervals. Everything
 * an adapter returns is stored here, never by the adapter, and every write is
 * an idempotent upsert, so a job that runs twice (at-least-once delivery
 * after a crash) leaves the same data as one that ran once.
 */
import { Clock, Effect, Schema, Stream } from "effect"
import type { AuthType } from "./Account.ts"
import * as Billing from "./Billing.ts"
import type { Access, Authorization, Collector, CollectorInfo, DateWindow, Grant } from "./Collector.ts"
import { CollectorError } from "./CollectorError.ts"
import { Collectors } from "./Collectors.ts"
import * as Events from "./Events.ts"
import { newUid } from "./Ids.ts"
import { InvalidInput } from "./InvalidInput.ts"
import type { Log, LogType } from "./Log.ts"
import { Quotas, QuotaExceeded } from "./Quotas.ts"
import { atomically, Store } from "./Store.ts"
import type { AccountRecord, Job, ServiceRecord, StoreError } from "./Store.ts"
import { format, fromMillis, MICROS_PER_DAY, type Micros } from "./Timestamp.ts"
import { Vault, type VaultError } from "./Vault.ts"

export class UnknownUtility extends Schema.TaggedError<UnknownUtility>()("UnknownUtility", {
  utility: Schema.String,
  message: Schema.String
}) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}) {}

export type CollectionError = CollectorError | UnknownUtility | NotFound | InvalidInput | StoreError | VaultError | Billing.PaymentRequired
type Env = Store | Collectors | Vault

/** How long an authorization lasts when the utility does not say. */
const DEFAULT_AUTHORIZATION_DAYS = 365
/** How far back an incremental interval collection re-reads, to pick up corrected readings. */
const INTERVAL_OVERLAP_DAYS = 3
/** How often a consent flow without a redirect (SMT email) is polled. */
export const POLL_INTERVAL_MS = 60_000
const INTERVAL_BATCH = 5_000

export const now: Effect.Effect<Micros> = Effect.map(Clock.currentTimeMillis, fromMillis)

const log = (type: LogType, message: string) => Effect.map(now, (timestamp): Log => ({ type, message, timestamp }))

/** What the core seals per account: the customer's access fields and the adapter's grant. */
interface Sealed {
  readonly access: Access
  readonly grant: Grant | null
  /** True while the customer still has to approve (consent flows). */
  readonly awaiting: boolean
  /** Where the customer goes once a consent flow started from a hosted form returns (redirect with referral). */
  readonly returnTo?: string
}

const boundTo = (accountUid: string) => `account:${accountUid}`

const seal = (accountUid: string, sealed: Sealed) =>
  Effect.gen(function*() {
    const vault = yield* Vault
    return yield* vault.seal(JSON.stringify(sealed), boundTo(accountUid))
  })

const unseal = (account: AccountRecord) =>
  Effect.gen(function*() {
    const vault = yield* Vault
    return JSON.parse(yield* vault.open(account.sealed_grant, boundTo(account.uid))) as Sealed
  })

const collectorFor = (utility: string) =>
  Effect.gen(function*() {
    const registry = yield* Collectors
    const c = registry.get(utility)
    if (!c) return yield* new UnknownUtility({ utility, message: `Unknown utility "${utility}"` })
    return c
  })

/**
 * The collector an account runs through. Test authorizations never reach a
 * real utility: they run through the utility's sandbox scenarios
 * (`testAccess`), or DEMO's for adapters that have none.
 */
export const collectorForAccount = (account: Pick<AccountRecord, "utility" | "is_test">) =>
  Effect.gen(function*() {
    const collector = yield* collectorFor(account.utility)
    if (!account.is_test || collector.testAccess) return collector
    const registry = yield* Collectors
    return registry.get("DEMO") ?? collector
  })

const registrationFor = (collector: Collector, userUid: string) =>
  Effect.gen(function*() {
    if (!collector.info.requiresRegistration) return "live" as const
    const store = yield* Store
    return (yield* store.getRegistration(userUid, collector.info.utility)) ?? "pending"
  })

/** Failures the customer must fix in their request: nothing is stored for these. */
const isRequestError = (e: CollectorError) =>
  e.reason === "InvalidAccess" || e.reason === "RegistrationNotLive" || e.reason === "Unsupported"

/** How an authorization outcome shows on the account. */
const authorizationState = (
  outcome: Authorization | CollectorError,
  access: Access
): { sealed: Sealed; log: [LogType, string]; ref: string | null; url: string | null; expires?: Micros; next: "discover" | "poll" | "retry" | "none" } => {
  if (outcome instanceof CollectorError) {
    if (outcome.retryable) {
      return {
        sealed: { access, grant: null, awaiting: false },
        log: ["pending", `The utility is not answering yet (${outcome.message}); retrying...`],
        ref: null,
        url: null,
        next: "retry"
      }
    }
    return { sealed: { access, grant: null, awaiting: false }, log: ["error", outcome.message], ref: null, url: null, next: "none" }
  }
  if (outcome._tag === "Authorized") {
    return {
      sealed: { access, grant: outcome.grant, awaiting: false },
      log: ["pending", "Looking up services..."],
      ref: null,
      url: null,
      ...(outcome.expires === undefined ? {} : { expires: outcome.expires }),
      next: "discover"
    }
  }
  return {
    sealed: { access, grant: outcome.grant, awaiting: true },
    log: ["pending", outcome.url ? `${outcome.message}: ${outcome.url}` : outcome.message],
    ref: outcome.reference,
    url: outcome.url ?? null,
    next: outcome.url ? "none" : "poll"
  }
}

const enqueue = (kind: Job["kind"], target_uid: string, params: Job["params"] = {}, delayMs = 0) =>
  Effect.gen(function*() {
    const store = yield* Store
    const t = yield* now
    return yield* store.enqueueJob({ kind, target_uid, params, run_at: t + delayMs * 1000 })
  })

/** How an account came to be, beyond v1's `POST /accounts/add`: a hosted form or a test-submit. */
export interface AccountOrigin {
  readonly form_uid: string
  readonly template_uid: string | null
  readonly customer_email: string | null
  readonly referral: string
  readonly is_test: boolean
  /** The authorization's end from the form's scope; null until revoked. */
  readonly expires: Micros | null
  /** Where the customer goes once a consent flow returns. */
  readonly returnTo?: string
}

/** The one rule on `auth_type`: the utility must allow it. */
export const authTypeProblem = (info: CollectorInfo, authType: AuthType): InvalidInput | undefined =>
  info.allows.includes(authType)
    ? undefined
    : new InvalidInput({ field: "auth_type", message: `${info.utility} accepts auth_type ${info.allows.map((a) => `"${a}"`).join(" or ")}.` })

export interface AddAccountInput {
  readonly user_uid: string
  readonly utility: string
  readonly auth_type: AuthType
  readonly auth: string
  readonly access: Access
  readonly callbackUrl: string
  readonly origin?: AccountOrigin
}

/**
 * Creates an account: authorizes with the utility right away so that a
 * malformed request fails before anything is stored, then leaves discovery
 * and collection to the worker.
 */
export const addAccount = Effect.fn("Collection.addAccount")(function*(input: AddAccountInput) {
  // The quota first: a user at it costs the utility (and us) nothing more.
  const { maxAuthorizationsPerUser } = yield* Quotas
  const held = (yield* (yield* Store).listAccounts(input.user_uid)).filter((a) => a.revoked === null).length
  if (held >= maxAuthorizationsPerUser) {
    return yield* new QuotaExceeded({
      message: `This user already holds ${held} authorizations, the most this server allows (${maxAuthorizationsPerUser}); revoke or delete some first.`
    })
  }
  // v1's add collects at once, so it needs credit; a form's authorization collects only once asked (and is billed then).
  if (input.origin === undefined) yield* Billing.requireBalance(input.user_uid, [{ utility: input.utility, is_test: false }])
  const collector = yield* collectorForAccount({ utility: input.utility, is_test: input.origin?.is_test ?? false })
  const refused = authTypeProblem(collector.info, input.auth_type)
  if (refused) return yield* refused
  const registration = yield* registrationFor(collector, input.user_uid)
  const uid = newUid()
  const outcome = yield* collector.authorize(input.access, { accountUid: uid, callbackUrl: input.callbackUrl, registration }).pipe(
    Effect.catchIf((e): e is CollectorError => e instanceof CollectorError && !isRequestError(e), (e) => Effect.succeed(e))
  )
  const state = authorizationState(outcome, input.access)
  const sealed: Sealed = input.origin?.returnTo === undefined ? state.sealed : { ...state.sealed, returnTo: input.origin.returnTo }
  const created = yield* now
  const origin = input.origin
  const account: AccountRecord = {
    uid,
    user_uid: input.user_uid,
    utility: input.utility,
    created,
    auth_type: input.auth_type,
    auth: input.auth,
    auth_expires: origin !== undefined
      ? (state.expires !== undefined && (origin.expires === null || state.expires < origin.expires) ? state.expires : origin.expires)
      : state.expires ?? created + DEFAULT_AUTHORIZATION_DAYS * MICROS_PER_DAY,
    login: collector.info.login,
    latest: yield* log(...state.log),
    sealed_grant: yield* seal(uid, sealed),
    authorization_ref: state.ref,
    authorization_url: state.url,
    form_uid: origin?.form_uid ?? null,
    template_uid: origin?.template_uid ?? null,
    referral: origin?.referral ?? null,
    customer_email: origin?.customer_email ?? null,
    is_test: origin?.is_test ?? false,
    is_archived: false,
    nickname: null,
    declined: null,
    revoked: null
  }
  yield* atomically((tx) =>
    Effect.gen(function*() {
      yield* tx.createAccount(account)
      yield* Events.recordOne(Events.forAccount("authorization_created", account, created))
      yield* scheduleAfterAuthorization(uid, state.next, 0)
    })
  )
  return account
})

const scheduleAfterAuthorization = (accountUid: string, next: "discover" | "poll" | "retry" | "none", attempts: number) =>
  next === "discover"
    ? enqueue("account", accountUid)
    : next === "poll"
    ? enqueue("account", accountUid, {}, POLL_INTERVAL_MS)
    : next === "retry"
    ? enqueue("account", accountUid, {}, backoffMs(attempts))
    : Effect.void

/**
 * The account waiting for the customer's browser to come back with OAuth
 * `state` = `reference`, or undefined. Only redirect-based consents (those
 * that sent the customer to an `authorization_url`) qualify: their reference
 * is a fresh random state per consent. Other pending authorizations have
 * references the customer or utility may know (an SMT agreement id, shown in
 * the customer's email), so they must never be completable by a URL.
 */
export const pendingConsent = (reference: string) =>
  Effect.gen(function*() {
    const store = yield* Store
    const account = yield* store.findAccountByAuthorizationRef(reference)
    return account !== undefined && account.authorization_url !== null ? account : undefined
  })

/** The OAuth-style return: the utility sent the customer back with `reference` (OAuth `state`) and parameters. */
export const completeAuthorization = Effect.fn("Collection.completeAuthorization")(function*(
  reference: string,
  params: Readonly<Record<string, string>>
) {
  const account = yield* pendingConsent(reference)
  if (!account) return yield* new NotFound({ message: "This authorization link is unknown or was already used" })
  return yield* resume(account, params)
})

const resume = (account: AccountRecord, params: Readonly<Record<string, string>> | undefined) =>
  Effect.gen(function*() {
    const collector = yield* collectorForAccount(account)
    const sealed = yield* unseal(account)
    if (!collector.resumeAuthorization || !sealed.grant) {
      return yield* new CollectorError({ reason: "Unsupported", message: `${account.utility} has nothing to resume` })
    }
    const outcome = yield* collector.resumeAuthorization(sealed.grant, params).pipe(
      Effect.catchIf((e) => e.reason !== "AuthorizationPending", (e) => Effect.succeed(e))
    )
    const state = authorizationState(outcome, sealed.access)
    const declined = outcome instanceof CollectorError && outcome.reason === "AuthorizationDenied"
    const updated: Partial<AccountRecord> = {
      latest: yield* log(...state.log),
      sealed_grant: yield* seal(account.uid, sealed.returnTo === undefined ? state.sealed : { ...state.sealed, returnTo: sealed.returnTo }),
      authorization_ref: state.ref,
      authorization_url: state.url,
      ...(state.expires === undefined || (account.auth_expires !== null && account.auth_expires < state.expires)
        ? {}
        : { auth_expires: state.expires }),
      ...(declined && account.declined === null ? { declined: yield* now } : {})
    }
    yield* atomically((tx) =>
      Effect.gen(function*() {
        yield* tx.updateAccount(account.uid, updated)
        if (updated.declined != null) yield* Events.recordOne(Events.forAccount("authorization_declined", account, updated.declined))
        yield* scheduleAfterAuthorization(account.uid, state.next, 0)
      })
    )
    return { ...account, ...updated }
  })

export interface ModifyAccountInput {
  readonly auth_type?: AuthType
  readonly auth?: string
  readonly access?: Access
  readonly update_services?: boolean
  readonly update_data?: boolean
  readonly callbackUrl: string
}

/** New authorization details or credentials; by default re-discovers services and re-collects their data. */
export const modifyAccount = Effect.fn("Collection.modifyAccount")(function*(uid: string, input: ModifyAccountInput) {
  const store = yield* Store
  const account = yield* store.getAccount(uid)
  if (!account) return yield* new NotFound({ message: `Account ${uid} not found` })
  if (input.update_data !== false) yield* Billing.requireBalance(account.user_uid, [account])
  const collector = yield* collectorForAccount(account)
  const refused = input.auth_type === undefined ? undefined : authTypeProblem(collector.info, input.auth_type)
  if (refused) return yield* refused
  let patch: Partial<AccountRecord> = {
    ...(input.auth_type ? { auth_type: input.auth_type } : {}),
    ...(input.auth !== undefined ? { auth: input.auth } : {})
  }
  let next: "discover" | "poll" | "retry" | "none" = input.update_services === false ? "none" : "discover"
  if (input.access) {
    const registration = yield* registrationFor(collector, account.user_uid)
    const outcome = yield* collector.authorize(input.access, { accountUid: uid, callbackUrl: input.callbackUrl, registration }).pipe(
      Effect.catchIf((e) => !isRequestError(e), (e) => Effect.succeed(e))
    )
    const state = authorizationState(outcome, input.access)
    patch = {
      ...patch,
      latest: yield* log(...state.log),
      sealed_grant: yield* seal(uid, state.sealed),
      authorization_ref: state.ref,
      authorization_url: state.url,
      ...(state.expires === undefined ? {} : { auth_expires: state.expires })
    }
    if (state.next !== "discover" || input.update_services !== false) next = state.next
  }
  yield* store.updateAccount(uid, patch)
  if (next === "discover") {
    yield* enqueue("account", uid, { update_data: input.update_data !== false })
  } else if (next !== "none") {
    yield* scheduleAfterAuthorization(uid, next, 0)
  } else if (input.update_data !== false) {
    const t = yield* now
    for (const s of yield* store.listAccountServices(uid)) {
      if (s.active_until !== null && s.active_until > t) yield* enqueue("service", s.uid)
    }
  }
  return { ...account, ...patch }
})

/** `active_until`: a time, or "now" to collect once and then stop. */
export const modifyService = Effect.fn("Collection.modifyService")(function*(
  uid: string,
  input: { readonly active_until?: Micros | "now"; readonly update_data?: boolean }
) {
  const store = yield* Store
  const service = yield* store.getService(uid)
  if (!service) return yield* new NotFound({ message: `Service ${uid} not found` })
  const t = yield* now
  if (typeof input.active_until === "number") {
    const account = yield* store.getAccount(service.account_uid)
    if (account && account.auth_expires !== null && input.active_until > account.auth_expires) {
      return yield* new InvalidInput({
        field: "active_until",
        message: `"active_until" cannot be after the account's authorization expires (${format(account.auth_expires)}).`
      })
    }
  }
  const activeUntil = input.active_until === "now" ? t : input.active_until ?? service.active_until
  const collect = input.update_data !== false && (input.active_until === "now" || (activeUntil !== null && activeUntil > t))
  if (collect) yield* requireBalanceFor(service)
  if (input.active_until !== undefined) yield* store.updateService(uid, { active_until: activeUntil })
  if (collect) yield* enqueue("service", uid)
  return collect
})

export const requestServiceData = Effect.fn("Collection.requestServiceData")(function*(uid: string) {
  const store = yield* Store
  const service = yield* store.getService(uid)
  if (service) yield* requireBalanceFor(service)
  yield* enqueue("service", uid)
})

/** The billing check for a collection of one service. */
const requireBalanceFor = (service: ServiceRecord) =>
  Effect.gen(function*() {
    const account = yield* loadAccount(service.account_uid)
    yield* Billing.requireBalance(account.user_uid, [account])
  })

/** Deactivates the service and deletes its bills and intervals. */
export const resetService = Effect.fn("Collection.resetService")(function*(uid: string) {
  const store = yield* Store
  const t = yield* now
  yield* store.updateService(uid, { active_until: t, latest: yield* log("updated", "Service reset: bills and intervals deleted") })
  yield* store.resetServiceData(uid)
})

// ---------------------------------------------------------------------------
// Jobs

/** Exponential backoff for transient utility failures: 5 s, 15 s, 45 s … capped at an hour. */
export const backoffMs = (attempts: number) => Math.min(5_000 * 3 ** attempts, 3_600_000)
export const MAX_ATTEMPTS = 8

/** Runs one job. Failures of the utility end in the job's `latest`; only store failures escape. */
export const runJob = (job: Job): Effect.Effect<"done" | { retryAt: Micros }, StoreError | VaultError, Env> =>
  (job.kind === "account" ? collectAccount(job) : collectService(job)).pipe(
    Effect.as("done" as const),
    Effect.catchTag("NotFound", () => Effect.succeed("done" as const)),
    Effect.catchTag("UnknownUtility", (e) => recordFailure(job, "error", e.message).pipe(Effect.as("done" as const))),
    Effect.catchTag("PaymentRequired", (e) => recordFailure(job, "error", e.message).pipe(Effect.as("done" as const))),
    Effect.catchTag("CollectorError", (e) => onCollectorError(job, e))
  )

const onCollectorError = (job: Job, e: CollectorError) =>
  Effect.gen(function*() {
    if (e.retryable && job.attempts + 1 < MAX_ATTEMPTS) {
      const wait = Math.max(e.retryAfterMs ?? 0, backoffMs(job.attempts))
      yield* recordFailure(job, "pending", `${e.message}; retrying in ${Math.round(wait / 1000)}s (attempt ${job.attempts + 2} of ${MAX_ATTEMPTS})`)
      return { retryAt: (yield* now) + wait * 1000 }
    }
    if (e.reason === "AuthorizationPending") {
      return { retryAt: (yield* now) + POLL_INTERVAL_MS * 1000 }
    }
    yield* recordFailure(job, "error", e.retryable ? `${e.message} (gave up after ${MAX_ATTEMPTS} attempts)` : e.message)
    return "done" as const
  })

/** A failure shows on the record; a final one ("error") also ends the update or historical collection with an event. */
const recordFailure = (job: Job, type: LogType, message: string) =>
  atomically((tx) =>
    Effect.gen(function*() {
      const latest = yield* log(type, message)
      if (job.kind === "account") {
        yield* tx.updateAccount(job.target_uid, { latest })
        const account = yield* tx.getAccount(job.target_uid)
        if (type === "error" && account) yield* Events.recordOne(Events.forAccount("authorization_update_finished_errored", account, latest.timestamp))
      } else {
        yield* tx.updateService(job.target_uid, { latest })
        const service = yield* tx.getService(job.target_uid)
        if (type === "error" && service && isHistorical(job, service)) {
          yield* Events.recordOne(Events.forMeter("meter_historical_collection_finished_errored", service, latest.timestamp))
        }
      }
    })
  )

/** A historical collection: asked for with a duration, or a meter's first. Its start and end are events. */
const isHistorical = (job: Job, service: ServiceRecord) =>
  typeof job.params["collection_months"] === "number" || service.last_collected === null

const loadAccount = (uid: string) =>
  Effect.gen(function*() {
    const store = yield* Store
    const account = yield* store.getAccount(uid)
    if (!account) return yield* new NotFound({ message: `Account ${uid} not found` })
    return account
  })

/** Makes sure the account holds a usable grant, (re)authorizing or polling as needed. */
const ensureGrant = (account: AccountRecord, collector: Collector) =>
  Effect.gen(function*() {
    const store = yield* Store
    const sealed = yield* unseal(account)
    if (sealed.awaiting) {
      yield* resume(account, undefined)
      const after = yield* loadAccount(account.uid)
      const again = yield* unseal(after)
      if (again.awaiting || !again.grant) return undefined
      return again.grant
    }
    let grant = sealed.grant
    if (!grant) {
      const registration = yield* registrationFor(collector, account.user_uid)
      const auth = yield* collector.authorize(sealed.access, { accountUid: account.uid, callbackUrl: "", registration })
      if (auth._tag !== "Authorized") {
        return yield* new CollectorError({ reason: "AuthorizationPending", message: auth.message })
      }
      grant = auth.grant
      yield* store.updateAccount(account.uid, { sealed_grant: yield* seal(account.uid, { ...sealed, grant }) })
    }
    if (collector.refreshGrant) {
      const refreshed = yield* collector.refreshGrant(grant)
      if (JSON.stringify(refreshed) !== JSON.stringify(grant)) {
        yield* store.updateAccount(account.uid, { sealed_grant: yield* seal(account.uid, { ...sealed, grant: refreshed }) })
      }
      grant = refreshed
    }
    return grant
  })

/** Account job: authorize if needed, then discover services ("Parsing 1 of 2 services..."). */
const collectAccount = (job: Job) =>
  Effect.gen(function*() {
    const store = yield* Store
    const account = yield* loadAccount(job.target_uid)
    if (account.revoked !== null || account.declined !== null) return
    const collector = yield* collectorForAccount(account)
    const grant = yield* ensureGrant(account, collector)
    if (!grant) return // still waiting for the customer; resume() rescheduled the poll
    const started = yield* log("pending", "Looking up services...")
    yield* atomically((tx) =>
      tx.updateAccount(account.uid, { latest: started }).pipe(
        Effect.andThen(Events.recordOne(Events.forAccount("authorization_update_started", account, started.timestamp)))
      )
    )
    const found = yield* collector.listServices(grant)
    const t = yield* now
    const stored: Array<ServiceRecord> = []
    for (const [i, details] of found.entries()) {
      yield* store.updateAccount(account.uid, { latest: yield* log("pending", `Parsing ${i + 1} of ${found.length} services...`) })
      const uid = newUid()
      const upsert = (tx: typeof store) => tx.upsertService({
          ...details,
          uid,
          user_uid: account.user_uid,
          account_uid: account.uid,
          utility: account.utility,
          created: t,
          // v1 accounts collect at once and then daily; a form's authorization waits to be asked (historical collection, monitoring).
          active_until: collectsAtOnce(account) ? account.auth_expires : null,
          latest: null,
          last_collected: null,
          is_activated: collectsAtOnce(account),
          monitoring: collectsAtOnce(account) ? "daily" : "off",
          is_archived: false
        })
      stored.push(
        yield* atomically((tx) =>
          Effect.gen(function*() {
            const service = yield* upsert(tx)
            // The upsert keeps an existing service's uid: a new uid means a new meter.
            if (service.uid === uid) yield* Events.recordOne(Events.forMeter("meter_created", service, t))
            return service
          })
        )
      )
    }
    const refreshed = yield* log("updated", "Services refreshed")
    yield* atomically((tx) =>
      tx.updateAccount(account.uid, { latest: refreshed }).pipe(
        Effect.andThen(Events.recordOne(Events.forAccount("authorization_update_finished_successful", account, refreshed.timestamp)))
      )
    )
    if (job.params["update_data"] !== false) {
      for (const s of stored) {
        if (!s.is_activated) continue
        if (s.last_collected === null || (s.active_until !== null && s.active_until > t)) yield* enqueue("service", s.uid)
      }
    }
  })

/** Whether an account's services collect as soon as they are found (v1) or once asked (a form's authorization). */
const collectsAtOnce = (account: AccountRecord) => account.form_uid === null

/** `months` calendar months before `t` (UTC), for a historical collection's `collection_duration`. */
export const monthsBefore = (t: Micros, months: number): Micros => {
  const d = new Date(t / 1000)
  d.setUTCMonth(d.getUTCMonth() - months)
  return fromMillis(d.getTime())
}

/**
 * What a collection still has to fetch: the span before the oldest stored
 * interval (a longer history asked for), and from the last collection (with
 * an overlap for corrected readings) to now. Everything when nothing is stored.
 */
export const missingIntervalWindows = (
  service: { readonly last_collected: Micros | null; readonly interval_count: number; readonly interval_coverage: ReadonlyArray<readonly [Micros, Micros]> },
  history: DateWindow
): ReadonlyArray<DateWindow> => {
  const first = service.interval_coverage[0]?.[0]
  if (service.last_collected === null || service.interval_count === 0 || first === undefined) return [history]
  const recent = Math.max(history.start, service.last_collected - INTERVAL_OVERLAP_DAYS * MICROS_PER_DAY)
  if (history.start >= first) return [{ start: recent, end: history.end }]
  if (first >= recent) return [history]
  return [{ start: history.start, end: first }, { start: recent, end: history.end }]
}

/** Where the customer goes once a consent flow started from a hosted form comes back; undefined for v1 accounts. */
export const customerReturnUrl = (account: AccountRecord) => Effect.map(unseal(account), (s) => s.returnTo)

/** Service job: bills ("Downloading bill 4/25..."), then intervals, then "Data refreshed". */
const collectService = (job: Job) =>
  Effect.gen(function*() {
    const store = yield* Store
    const service = yield* store.getService(job.target_uid)
    if (!service) return yield* new NotFound({ message: `Service ${job.target_uid} not found` })
    const account = yield* loadAccount(service.account_uid)
    if (account.revoked !== null || account.declined !== null) return
    const collector = yield* collectorForAccount(account)
    const grant = yield* ensureGrant(account, collector)
    if (!grant) {
      return yield* new CollectorError({ reason: "AuthorizationPending", message: "Waiting for the customer's authorization" })
    }
    // A scheduled (monitoring) collection on an exhausted balance stops here; commands were refused before enqueueing.
    yield* Billing.requireBalance(account.user_uid, [account])
    const t = yield* now
    const historical = isHistorical(job, service)
    const months = typeof job.params["collection_months"] === "number" ? job.params["collection_months"] : undefined
    const historyStart = months === undefined ? t - collector.info.historyDays * MICROS_PER_DAY : monthsBefore(t, months)
    const history: DateWindow = { start: historyStart, end: t }
    const progress = (message: string) =>
      Effect.flatMap(log("pending", message), (latest) => store.updateService(service.uid, { latest }))

    if (historical) {
      const starting = yield* log("pending", "Starting historical collection...")
      yield* atomically((tx) =>
        tx.updateService(service.uid, { latest: starting }).pipe(
          Effect.andThen(Events.recordOne(Events.forMeter("meter_historical_collection_started", service, starting.timestamp)))
        )
      )
    }
    if (collector.info.capabilities.bills) {
      yield* progress("Downloading bills...")
      // Bills are few (one a month), so they are gathered to report "n/N" progress.
      const bills = Array.from(yield* Stream.runCollect(collector.collectBills(grant, service, history)))
      for (let i = 0; i < bills.length; i += 12) {
        yield* progress(`Downloading bill ${Math.min(i + 12, bills.length)}/${bills.length}...`)
        const updated = yield* now
        yield* atomically((tx) =>
          Effect.gen(function*() {
            const r = yield* tx.upsertBills(
              bills.slice(i, i + 12).map((b) => ({ ...b, service_uid: service.uid, utility: service.utility, updated }))
            )
            if (r.inserted + r.changed > 0) yield* Events.recordOne(Events.forMeter("meter_bills_added", service, updated))
          })
        )
      }
    }
    if (collector.info.capabilities.intervals) {
      yield* progress("Downloading intervals...")
      let count = 0
      yield* Stream.fromIterable(missingIntervalWindows(service, history)).pipe(
        Stream.flatMap((window) => collector.collectIntervals(grant, service, window)),
        Stream.grouped(INTERVAL_BATCH),
        Stream.runForEach((batch) =>
          Effect.gen(function*() {
            const updated = yield* now
            yield* atomically((tx) =>
              Effect.gen(function*() {
                const r = yield* tx.upsertIntervals(batch.map((i) => ({ ...i, service_uid: service.uid, utility: service.utility, updated })))
                if (r.inserted + r.changed > 0) yield* Events.recordOne(Events.forMeter("meter_intervals_added", service, updated))
              })
            )
            count += batch.length
            yield* progress(`Downloading intervals (${count} so far)...`)
          })
        )
      )
    }
    const refreshed = yield* log("updated", "Data refreshed")
    yield* atomically((tx) =>
      Effect.gen(function*() {
        yield* tx.updateService(service.uid, { latest: refreshed, last_collected: t })
        if (historical) {
          yield* Events.recordOne(Events.forMeter("meter_historical_collection_finished_successful", service, refreshed.timestamp))
        }
        // Keyed by the job: a run repeated after a crash or a retry is charged once.
        yield* Billing.chargeCollection(tx, account, service.uid, `collection:${job.id}`, refreshed.timestamp)
      })
    )
  })
