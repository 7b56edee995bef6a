/**
 * The collection jobs, run by the worker (`Worker.ts`): an account job authorizes and discovers services, a
 * service job collects bills and intervals. Everything an adapter returns is stored here, never by the
 * adapter, and every write is an idempotent upsert, so a job that runs twice (at-least-once delivery after a
 * crash) leaves the same data as one that ran once.
 */
import { Effect, Stream } from "effect"
import * as Billing from "./Billing.ts"
import type { Collector, DateWindow } from "./Collector.ts"
import { CollectorError } from "./CollectorError.ts"
import * as Events from "./Events.ts"
import { newUid } from "./Ids.ts"
import {
  backoffMs, collectorForAccount, enqueue, type Env, loadAccount, log, NotFound, now, POLL_INTERVAL_MS, registrationFor, resume,
  seal, unseal
} from "./internal/Accounts.ts"
import type { LogType } from "./Log.ts"
import { atomically, Store } from "./Store.ts"
import type { AccountRecord, Job, ServiceRecord, StoreError } from "./Store.ts"
import { fromMillis, MICROS_PER_DAY, type Micros } from "./Timestamp.ts"
import type { VaultError } from "./Vault.ts"


/** How far back an incremental interval collection re-reads, to pick up corrected readings. */
const INTERVAL_OVERLAP_DAYS = 3
const INTERVAL_BATCH = 5_000

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
