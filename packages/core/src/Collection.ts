/**
 * The collection commands: add, modify and complete accounts (authorizations), modify and reset services.
 * Accounts and services move `pending` → `updated` | `error`; `latest` always says where they are. The work
 * itself happens in jobs (`Jobs.ts`), run by the worker: commands validate, store, and enqueue.
 */
import { Effect } from "effect"
import type { AuthType } from "./Account.ts"
import * as Billing from "./Billing.ts"
import type { Access, CollectorInfo } from "./Collector.ts"
import { CollectorError } from "./CollectorError.ts"
import * as Events from "./Events.ts"
import { newUid } from "./Ids.ts"
import { InvalidInput } from "./InvalidInput.ts"
import {
  authorizationState, collectorForAccount, enqueue, isRequestError, loadAccount, log, NotFound, now, registrationFor,
  resume, scheduleAfterAuthorization, seal, type Sealed, unseal
} from "./internal/Accounts.ts"
import { Quotas, QuotaExceeded } from "./Quotas.ts"
import { atomically, Store } from "./Store.ts"
import type { AccountRecord, ServiceRecord } from "./Store.ts"
import { format, MICROS_PER_DAY, type Micros } from "./Timestamp.ts"

export { backoffMs, collectorForAccount, NotFound, now, POLL_INTERVAL_MS, UnknownUtility } from "./internal/Accounts.ts"
export type { CollectionError } from "./internal/Accounts.ts"

/** How long an authorization lasts when the utility does not say. */
const DEFAULT_AUTHORIZATION_DAYS = 365

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

/** Where the customer goes once a consent flow started from a hosted form comes back; undefined for v1 accounts. */
export const customerReturnUrl = (account: AccountRecord) => Effect.map(unseal(account), (s) => s.returnTo)

