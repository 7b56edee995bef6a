/**
 * The customer workflow (UtilityAPI v2's model): an integrator's template and
 * form, the customer's authorization through the hosted form (or a
 * test-submit), then historical collection and monitoring of its meters.
 *
 * An authorization is an account and a meter is a service: these commands
 * change the same records the v1 commands do, so both surfaces show one model.
 * Every rule lives here; the surfaces only translate inputs and failures.
 */
import { Effect, Schema } from "effect"
import * as Billing from "./Billing.ts"
import type { Access, CollectorInfo } from "./Collector.ts"
import { CollectorError } from "./CollectorError.ts"
import { addAccount, collectorForAccount, NotFound, now } from "./Collection.ts"
import { Collectors } from "./Collectors.ts"
import * as Events from "./Events.ts"
import { newSecretCode, newUid } from "./Ids.ts"
import * as Scope from "./Scope.ts"
import { atomically, Store } from "./Store.ts"
import type { AccountRecord, FormRecord, MonitoringFrequency, ServiceRecord, TemplateRecord } from "./Store.ts"
import { InvalidInput } from "./InvalidInput.ts"
import { fromUsername, type TestScenario } from "./TestScenario.ts"
import type { Micros } from "./Timestamp.ts"

export { InvalidInput }

/** Only test and DEMO authorizations can be deleted; real ones are revoked. */
export class NotDeletable extends Schema.TaggedError<NotDeletable>()("NotDeletable", {
  message: Schema.String
}) {}

/** Every meter asked for belongs to a revoked or expired authorization. */
export class ExpiredOrRevoked extends Schema.TaggedError<ExpiredOrRevoked>()("ExpiredOrRevoked", {
  message: Schema.String
}) {}

export const MAX_REDIRECT_URIS = 20
export const MAX_COLLECTION_MONTHS = 36
export const DEFAULT_COLLECTION_MONTHS = 12
export const FREQUENCIES: ReadonlyArray<MonitoringFrequency> = ["off", "daily", "weekly", "monthly"]

/** The message a meter shows before anyone asked for its data. */
export const NO_LOGS_YET = "Service exists but no logs yet"

const isExpired = (account: AccountRecord, t: Micros) => account.auth_expires !== null && account.auth_expires <= t

// ---------------------------------------------------------------------------
// Templates

export interface TemplateInput {
  readonly company_name: string
  readonly company_logo?: string | null
  readonly company_email?: string | null
  readonly description?: string | null
  readonly redirect_uris?: ReadonlyArray<string>
}

/** An absolute http(s) URL without credentials or fragment, as OAuth requires of redirect URIs. */
export const isRedirectUri = (value: string): boolean => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "" &&
    url.hash === "" && value.length <= 2000
}

export const createTemplate = Effect.fn("Workflow.createTemplate")(function*(userUid: string, input: TemplateInput) {
  const name = input.company_name.trim()
  if (name === "" || name.length > 200) {
    return yield* new InvalidInput({ field: "company_name", message: "\"company_name\" must be 1 to 200 characters." })
  }
  const uris = input.redirect_uris ?? []
  if (uris.length > MAX_REDIRECT_URIS) {
    return yield* new InvalidInput({ field: "redirect_uris", message: `At most ${MAX_REDIRECT_URIS} redirect_uris.` })
  }
  const bad = uris.find((u) => !isRedirectUri(u))
  if (bad !== undefined) {
    return yield* new InvalidInput({
      field: "redirect_uris",
      message: `"${bad.slice(0, 100)}" is not an absolute http(s) URL without credentials or fragment.`
    })
  }
  if (input.company_logo != null && !isRedirectUri(input.company_logo)) {
    return yield* new InvalidInput({ field: "company_logo", message: "\"company_logo\" must be an absolute http(s) URL." })
  }
  const t = yield* now
  const template: TemplateRecord = {
    uid: newUid(),
    user_uid: userUid,
    created: t,
    updated: t,
    company_name: name,
    company_logo: input.company_logo ?? null,
    company_email: input.company_email?.trim() || null,
    description: input.description?.trim() || null,
    redirect_uris: [...uris]
  }
  const store = yield* Store
  yield* store.createTemplate(template)
  return template
})

// ---------------------------------------------------------------------------
// Forms

export interface FormInput {
  readonly template_uid?: string | null
  readonly customer_email?: string | null
  readonly utility?: string | null
  readonly scope?: { readonly expires?: string }
  readonly authorization_uid?: string | null
}

export const createForm = Effect.fn("Workflow.createForm")(function*(userUid: string, input: FormInput) {
  const store = yield* Store
  const t = yield* now
  if (input.template_uid != null) {
    const template = yield* store.getTemplate(input.template_uid)
    if (!template || template.user_uid !== userUid) {
      return yield* new InvalidInput({ field: "template_uid", message: "No template with that uid." })
    }
  }
  if (input.utility != null) {
    const registry = yield* Collectors
    if (!registry.get(input.utility)) {
      return yield* new InvalidInput({ field: "utility", message: `Unknown utility "${input.utility}".` })
    }
  }
  if (input.authorization_uid != null) {
    const account = yield* store.getAccount(input.authorization_uid)
    if (!account || account.user_uid !== userUid) {
      return yield* new InvalidInput({ field: "authorization_uid", message: "No authorization with that uid." })
    }
  }
  const expires = Scope.validateExpires(input.scope?.expires ?? Scope.DEFAULT_EXPIRES, t)
  if ("problem" in expires) return yield* new InvalidInput({ field: "scope", message: expires.problem })
  const form: FormRecord = {
    uid: newUid(),
    user_uid: userUid,
    created: t,
    updated: t,
    template_uid: input.template_uid ?? null,
    code: newSecretCode(),
    customer_email: input.customer_email?.trim() || null,
    utility: input.utility ?? null,
    scope_expires: expires.ok,
    authorization_uid: input.authorization_uid ?? null,
    is_archived: false
  }
  yield* atomically((tx) =>
    tx.createForm(form).pipe(Effect.andThen(Events.recordOne({ type: "form_created", user_uid: userUid, ts: t, form_uid: form.uid })))
  )
  return form
})

/**
 * Where the customer goes after the form: the requested `redirect_uri` when
 * the template registered it (exact match), else the template's first;
 * undefined for a thank-you page. An unregistered URI is refused.
 */
export const chooseRedirect = (
  template: TemplateRecord | undefined,
  requested: string | undefined
): { readonly uri: string | undefined } | InvalidInput => {
  const registered = template?.redirect_uris ?? []
  if (requested === undefined || requested === "") return { uri: registered[0] }
  if (!registered.includes(requested)) {
    return new InvalidInput({ field: "redirect_uri", message: "This redirect_uri is not registered on the form's template." })
  }
  return { uri: requested }
}

/** `uri` with the given query parameters appended (keeping any it already has). */
export const withParams = (uri: string, params: Readonly<Record<string, string | undefined>>): string => {
  const url = new URL(uri)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  return url.toString()
}

/**
 * The customer's access fields for a utility: the most complete of its
 * option sets that the values fill (a consent utility's optional username
 * hint is kept when given), nothing else. The rule v1's `accounts/add` and
 * the hosted form share.
 */
export const accessFor = (
  info: CollectorInfo,
  values: Readonly<Record<string, string | undefined>>
): Access | InvalidInput => {
  const sets = info.options
  if (sets.length === 0) return {}
  const present = (name: string) => (values[name]?.trim() ?? "") !== ""
  const complete = [...sets].sort((a, b) => b.length - a.length).find((set) => set.every((f) => present(f.name)))
  if (!complete) {
    const closest = sets.find((set) => set.some((f) => present(f.name))) ?? sets[0]!
    const missing = closest.find((f) => !present(f.name))!
    return new InvalidInput({ field: missing.name, message: `"${missing.name}" is required for ${info.utility} (${missing.help}).` })
  }
  return Object.fromEntries(complete.map((f) => [f.name, values[f.name]!]))
}

export interface SubmitInput {
  readonly form: FormRecord
  readonly template: TemplateRecord | undefined
  readonly utility: string
  readonly access: Access
  /** The customer's full name: their signature. */
  readonly signature: string
  readonly customer_email: string | null
  /** The registered redirect with `state` already applied, or undefined for the thank-you page. */
  readonly redirect: string | undefined
  readonly state: string | undefined
  readonly callbackUrl: string
}

export interface Submitted {
  readonly account: AccountRecord
  /** Where to send the customer now: the utility's consent page, or the integrator's redirect with the referral. */
  readonly next: { readonly _tag: "Consent"; readonly url: string } | { readonly _tag: "Done"; readonly url: string | undefined }
}

/** The customer submits the hosted form: an authorization is created (or the submission fails with nothing stored). */
export const submitForm = Effect.fn("Workflow.submitForm")(function*(input: SubmitInput) {
  const { form } = input
  if (form.utility !== null && input.utility !== form.utility) {
    return yield* new InvalidInput({ field: "utility", message: `This form is for ${form.utility}.` })
  }
  const signature = input.signature.trim()
  if (signature === "" || signature.length > 200) {
    return yield* new InvalidInput({ field: "signature", message: "Type your full name to sign the authorization." })
  }
  const username = input.access["utility_username"]
  const is_test = username !== undefined && fromUsername(username) !== undefined
  const referral = newSecretCode()
  const done = input.redirect === undefined ? undefined : withParams(input.redirect, { referral, state: input.state })
  const t = yield* now
  const account = yield* addAccount({
    user_uid: form.user_uid,
    utility: input.utility,
    auth_type: "owner",
    auth: signature,
    access: input.access,
    callbackUrl: input.callbackUrl,
    origin: {
      form_uid: form.uid,
      template_uid: form.template_uid,
      customer_email: input.customer_email ?? form.customer_email,
      referral,
      is_test,
      expires: Scope.resolveExpires(form.scope_expires, t),
      ...(done === undefined ? {} : { returnTo: done })
    }
  })
  const next: Submitted["next"] = account.authorization_url !== null
    ? { _tag: "Consent", url: account.authorization_url }
    : { _tag: "Done", url: done }
  return { account, next } satisfies Submitted
})

/** The customer declines on the hosted form: a declined authorization, and the redirect says `access_denied`. */
export const declineForm = Effect.fn("Workflow.declineForm")(function*(form: FormRecord, utility: string, customerEmail: string | null) {
  const collector = yield* collectorForAccount({ utility, is_test: false })
  const t = yield* now
  const account: AccountRecord = {
    uid: newUid(),
    user_uid: form.user_uid,
    utility,
    created: t,
    auth_type: "owner",
    auth: "",
    auth_expires: t,
    login: collector.info.login,
    latest: { type: "error", message: "The customer declined the authorization.", timestamp: t },
    // Nothing to seal: a declined authorization never holds access.
    sealed_grant: "",
    authorization_ref: null,
    authorization_url: null,
    form_uid: form.uid,
    template_uid: form.template_uid,
    referral: newSecretCode(),
    customer_email: customerEmail ?? form.customer_email,
    is_test: false,
    is_archived: false,
    nickname: null,
    declined: t,
    revoked: null
  }
  yield* atomically((tx) =>
    tx.createAccount(account).pipe(Effect.andThen(Events.recordOne(Events.forAccount("authorization_declined", account, t))))
  )
  return account
})

/** `POST /forms/<uid>/test-submit`: a test authorization playing `scenario` in the utility's sandbox. */
export const testSubmit = Effect.fn("Workflow.testSubmit")(function*(form: FormRecord, utility: string, scenario: TestScenario) {
  const collector = yield* collectorForAccount({ utility, is_test: true })
  const t = yield* now
  const access = collector.testAccess?.(scenario) ??
    { utility_username: `UAPI_TEST_${scenario}`, utility_password: "test" }
  return yield* addAccount({
    user_uid: form.user_uid,
    utility,
    auth_type: "owner",
    auth: "Test Customer",
    access,
    callbackUrl: "",
    origin: {
      form_uid: form.uid,
      template_uid: form.template_uid,
      customer_email: form.customer_email,
      referral: newSecretCode(),
      is_test: true,
      expires: Scope.resolveExpires(form.scope_expires, t)
    }
  })
})

// ---------------------------------------------------------------------------
// Authorizations

/** Stops collection, forgets the customer's access and deletes the meters and their data. The first revocation's time stays. */
export const revoke = Effect.fn("Workflow.revoke")(function*(uid: string) {
  const store = yield* Store
  const account = yield* store.getAccount(uid)
  if (!account) return yield* new NotFound({ message: `Authorization ${uid} not found` })
  if (account.revoked !== null) return account
  const t = yield* now
  const patch = {
    revoked: t,
    sealed_grant: "",
    authorization_ref: null,
    authorization_url: null,
    latest: { type: "updated" as const, message: "Access revoked: credentials forgotten, meters and their data deleted.", timestamp: t }
  }
  yield* atomically((tx) =>
    Effect.gen(function*() {
      yield* tx.deleteAccountServices(uid)
      yield* tx.updateAccount(uid, patch)
      yield* Events.recordOne(Events.forAccount("authorization_revoked", account, t))
    })
  )
  return { ...account, ...patch }
})

export const deleteAuthorization = Effect.fn("Workflow.deleteAuthorization")(function*(uid: string) {
  const store = yield* Store
  const account = yield* store.getAccount(uid)
  if (!account) return yield* new NotFound({ message: `Authorization ${uid} not found` })
  if (!account.is_test && account.utility !== "DEMO") {
    return yield* new NotDeletable({
      message: "Only test and DEMO authorizations can be deleted; use POST /api/v2/authorizations/<uid>/revoke instead."
    })
  }
  yield* store.deleteAccount(uid)
})

export const updateAuthorization = Effect.fn("Workflow.updateAuthorization")(function*(
  uid: string,
  patch: { readonly is_archived?: boolean; readonly nickname?: string | null }
) {
  if (patch.nickname != null && patch.nickname.length > 200) {
    return yield* new InvalidInput({ field: "nickname", message: "\"nickname\" can be at most 200 characters." })
  }
  const store = yield* Store
  yield* store.updateAccount(uid, {
    ...(patch.is_archived === undefined ? {} : { is_archived: patch.is_archived }),
    ...(patch.nickname === undefined ? {} : { nickname: patch.nickname })
  })
})

// ---------------------------------------------------------------------------
// Meters

/** Meters whose authorization can still collect; the rest are dropped silently, as UtilityAPI does. */
const collectable = (meters: ReadonlyArray<ServiceRecord>) =>
  Effect.gen(function*() {
    const store = yield* Store
    const t = yield* now
    const out: Array<{ meter: ServiceRecord; account: AccountRecord }> = []
    for (const meter of meters) {
      const account = yield* store.getAccount(meter.account_uid)
      if (!account || account.revoked !== null || account.declined !== null || isExpired(account, t)) continue
      out.push({ meter, account })
    }
    if (meters.length > 0 && out.length === 0) {
      return yield* new ExpiredOrRevoked({ message: "Every meter given belongs to a revoked or expired authorization." })
    }
    return out
  })

/** Collecting the accepted meters needs credit when any of them is billable; refused before anything is queued. */
const requireBalanceFor = (accepted: ReadonlyArray<{ meter: ServiceRecord; account: AccountRecord }>) =>
  Effect.gen(function*() {
    const first = accepted[0]
    if (first !== undefined) yield* Billing.requireBalance(first.account.user_uid, accepted.map((a) => a.account))
  })

const pending = (message: string) => Effect.map(now, (timestamp) => ({ type: "pending" as const, message, timestamp }))

/** Collects the last `months` of bills and intervals for each meter (only what is missing). Nothing blocks: jobs do the work. */
export const historicalCollection = Effect.fn("Workflow.historicalCollection")(function*(
  meters: ReadonlyArray<ServiceRecord>,
  months: number
) {
  if (!Number.isInteger(months) || months < 1 || months > MAX_COLLECTION_MONTHS) {
    return yield* new InvalidInput({
      field: "collection_duration",
      message: `"collection_duration" must be a whole number of months from 1 to ${MAX_COLLECTION_MONTHS}.`
    })
  }
  const store = yield* Store
  const t = yield* now
  const accepted = yield* collectable(meters)
  yield* requireBalanceFor(accepted)
  for (const { meter } of accepted) {
    yield* store.updateService(meter.uid, { is_activated: true, latest: yield* pending("Queued for historical collection...") })
    yield* store.enqueueJob({ kind: "service", target_uid: meter.uid, params: { collection_months: months }, run_at: t })
  }
  return accepted.map(({ meter }) => meter.uid)
})

/** Sets how often each meter is collected again; the first collection of a never-collected meter starts now. */
export const ongoingMonitoring = Effect.fn("Workflow.ongoingMonitoring")(function*(
  meters: ReadonlyArray<ServiceRecord>,
  frequency: MonitoringFrequency
) {
  const store = yield* Store
  const t = yield* now
  const accepted = yield* collectable(meters)
  if (frequency !== "off") yield* requireBalanceFor(accepted)
  for (const { meter, account } of accepted) {
    if (frequency === "off") {
      yield* store.updateService(meter.uid, { monitoring: "off", active_until: t })
      continue
    }
    yield* store.updateService(meter.uid, { monitoring: frequency, active_until: account.auth_expires ?? Number.MAX_SAFE_INTEGER, is_activated: true })
    if (meter.last_collected === null) {
      yield* store.updateService(meter.uid, { latest: yield* pending("Queued for collection...") })
      yield* store.enqueueJob({ kind: "service", target_uid: meter.uid, params: {}, run_at: t })
    }
  }
  return accepted.map(({ meter }) => meter.uid)
})

export const updateMeter = Effect.fn("Workflow.updateMeter")(function*(uid: string, patch: { readonly is_archived?: boolean }) {
  const store = yield* Store
  if (patch.is_archived !== undefined) yield* store.updateService(uid, { is_archived: patch.is_archived })
})

export type WorkflowError = InvalidInput | NotDeletable | ExpiredOrRevoked | CollectorError | Billing.PaymentRequired
