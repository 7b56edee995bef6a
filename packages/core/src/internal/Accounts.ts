/**
 * What the collection commands (`Collection.ts`) and the jobs (`Jobs.ts`) share: the typed failures, the
 * clock, the sealed per-account access, the registry lookups, how an authorization outcome shows on the
 * account, and how the next step is scheduled. Internal: not exported from the package.
 */
import { Clock, Effect, Schema } from "effect"
import * as Billing from "../Billing.ts"
import type { Access, Authorization, Collector, Grant } from "../Collector.ts"
import { CollectorError } from "../CollectorError.ts"
import { Collectors } from "../Collectors.ts"
import * as Events from "../Events.ts"
import { InvalidInput } from "../InvalidInput.ts"
import type { Log, LogType } from "../Log.ts"
import { atomically, Store } from "../Store.ts"
import type { AccountRecord, Job, StoreError } from "../Store.ts"
import { fromMillis, type Micros } from "../Timestamp.ts"
import { Vault, type VaultError } from "../Vault.ts"

export class UnknownUtility extends Schema.TaggedError<UnknownUtility>()("UnknownUtility", {
  utility: Schema.String,
  message: Schema.String
}) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}) {}

export type CollectionError = CollectorError | UnknownUtility | NotFound | InvalidInput | StoreError | VaultError | Billing.PaymentRequired
export type Env = Store | Collectors | Vault

/** How often a consent flow without a redirect (SMT email) is polled. */
export const POLL_INTERVAL_MS = 60_000

export const now: Effect.Effect<Micros> = Effect.map(Clock.currentTimeMillis, fromMillis)

export const log = (type: LogType, message: string) => Effect.map(now, (timestamp): Log => ({ type, message, timestamp }))

/** What the core seals per account: the customer's access fields and the adapter's grant. */
export interface Sealed {
  readonly access: Access
  readonly grant: Grant | null
  /** True while the customer still has to approve (consent flows). */
  readonly awaiting: boolean
  /** Where the customer goes once a consent flow started from a hosted form returns (redirect with referral). */
  readonly returnTo?: string
}

const boundTo = (accountUid: string) => `account:${accountUid}`

export const seal = (accountUid: string, sealed: Sealed) =>
  Effect.gen(function*() {
    const vault = yield* Vault
    return yield* vault.seal(JSON.stringify(sealed), boundTo(accountUid))
  })

export const unseal = (account: AccountRecord) =>
  Effect.gen(function*() {
    const vault = yield* Vault
    return JSON.parse(yield* vault.open(account.sealed_grant, boundTo(account.uid))) as Sealed
  })

export const collectorFor = (utility: string) =>
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

export const registrationFor = (collector: Collector, userUid: string) =>
  Effect.gen(function*() {
    if (!collector.info.requiresRegistration) return "live" as const
    const store = yield* Store
    return (yield* store.getRegistration(userUid, collector.info.utility)) ?? "pending"
  })

/** Failures the customer must fix in their request: nothing is stored for these. */
export const isRequestError = (e: CollectorError) =>
  e.reason === "InvalidAccess" || e.reason === "RegistrationNotLive" || e.reason === "Unsupported"

/** How an authorization outcome shows on the account. */
export const authorizationState = (
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

export const enqueue = (kind: Job["kind"], target_uid: string, params: Job["params"] = {}, delayMs = 0) =>
  Effect.gen(function*() {
    const store = yield* Store
    const t = yield* now
    return yield* store.enqueueJob({ kind, target_uid, params, run_at: t + delayMs * 1000 })
  })

/** How an account came to be, beyond v1's `POST /accounts/add`: a hosted form or a test-submit. */
/** Exponential backoff for transient utility failures: 5 s, 15 s, 45 s … capped at an hour. */
export const backoffMs = (attempts: number) => Math.min(5_000 * 3 ** attempts, 3_600_000)

export const scheduleAfterAuthorization = (accountUid: string, next: "discover" | "poll" | "retry" | "none", attempts: number) =>
  next === "discover"
    ? enqueue("account", accountUid)
    : next === "poll"
    ? enqueue("account", accountUid, {}, POLL_INTERVAL_MS)
    : next === "retry"
    ? enqueue("account", accountUid, {}, backoffMs(attempts))
    : Effect.void

/** Moves an authorization that waits for the customer on: with the redirect's parameters, or none to poll. */
export const resume = (account: AccountRecord, params: Readonly<Record<string, string>> | undefined) =>
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


export const loadAccount = (uid: string) =>
  Effect.gen(function*() {
    const store = yield* Store
    const account = yield* store.getAccount(uid)
    if (!account) return yield* new NotFound({ message: `Account ${uid} not found` })
    return account
  })
