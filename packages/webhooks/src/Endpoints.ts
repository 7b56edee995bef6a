/**
 * Webhook endpoints as commands over the Store: create (the secret is returned once and stored sealed by the
 * Vault), update, rotate the secret, delete, ping, and resend a logged delivery. The API surfaces only translate.
 */
import { Collection, Events, Store, Vault, Workflow } from "@meterbridge/core"
import type { Store as StoreNs } from "@meterbridge/core"
import { Context, Effect } from "effect"
import * as AddressPolicy from "./AddressPolicy.ts"
import * as Signature from "./Signature.ts"

/** The operator's delivery settings; without them private targets are refused. */
export const Settings = Context.Reference<{ readonly policy: AddressPolicy.Policy }>("@meterbridge/webhooks/Settings", {
  defaultValue: () => ({ policy: { allowPrivate: false } })
})

export const MAX_PER_USER = 20

const boundTo = (uid: string) => `webhook:${uid}`

export const sealSecret = (uid: string, secret: Signature.WebhookSecret) => Vault.Vault.use((v) => v.seal(secret, boundTo(uid)))
export const openSecret = (webhook: StoreNs.WebhookRecord) =>
  Vault.Vault.use((v) => v.open(webhook.sealed_secret, boundTo(webhook.uid))).pipe(Effect.map((s) => s as Signature.WebhookSecret))

const checkUrl = (url: unknown) =>
  Effect.gen(function*() {
    if (typeof url !== "string" || url.length > 2000) {
      return yield* new Workflow.InvalidInput({ field: "url", message: "\"url\" must be an http(s) URL of at most 2000 characters." })
    }
    const { policy } = yield* Settings
    const target = AddressPolicy.checkUrl(url, policy)
    if (target instanceof AddressPolicy.TargetRefused) {
      return yield* new Workflow.InvalidInput({
        field: "url",
        message: target.reason === "PrivateAddress"
          ? `${target.message} (the operator can allow private targets with METERBRIDGE_WEBHOOK_ALLOW_PRIVATE=1)`
          : target.message
      })
    }
    return url
  })

const checkEvents = (events: unknown) =>
  Effect.gen(function*() {
    if (events === undefined || events === null) return null
    if (!Array.isArray(events) || events.length === 0 || !events.every(Events.isType)) {
      return yield* new Workflow.InvalidInput({
        field: "events",
        message: `"events" must be a non-empty list of event types: ${Events.TYPES.join(", ")}.`
      })
    }
    return [...new Set(events)]
  })

export const owned = (userUid: string, uid: string) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const webhook = yield* store.getWebhook(uid)
    if (!webhook || webhook.user_uid !== userUid) return yield* new Collection.NotFound({ message: `No webhook ${uid}` })
    return webhook
  })

export const create = Effect.fn("Endpoints.create")(function*(userUid: string, input: { readonly url?: unknown; readonly events?: unknown }) {
  const url = yield* checkUrl(input.url)
  const events = yield* checkEvents(input.events)
  const store = yield* Store.Store
  if ((yield* store.listWebhooks(userUid)).length >= MAX_PER_USER) {
    return yield* new Workflow.InvalidInput({ field: "url", message: `At most ${MAX_PER_USER} webhooks per user.` })
  }
  const t = yield* Collection.now
  const uid = crypto.randomUUID().replaceAll("-", "").slice(0, 16)
  const secret = Signature.generateSecret()
  const record: StoreNs.WebhookRecord = {
    uid,
    user_uid: userUid,
    url,
    events,
    sealed_secret: yield* sealSecret(uid, secret),
    created: t,
    updated: t,
    disabled: null,
    disabled_reason: null
  }
  yield* store.createWebhook(record)
  return { record, secret }
})

export const update = Effect.fn("Endpoints.update")(function*(
  webhook: StoreNs.WebhookRecord,
  input: { readonly url?: unknown; readonly events?: unknown; readonly is_enabled?: unknown }
) {
  const url = input.url === undefined ? undefined : yield* checkUrl(input.url)
  const events = input.events === undefined ? undefined : yield* checkEvents(input.events)
  if (input.is_enabled !== undefined && typeof input.is_enabled !== "boolean") {
    return yield* new Workflow.InvalidInput({ field: "is_enabled", message: "\"is_enabled\" must be true or false." })
  }
  const t = yield* Collection.now
  const enable = input.is_enabled === true && webhook.disabled !== null
  const disable = input.is_enabled === false && webhook.disabled === null
  yield* Store.atomically((tx) =>
    Effect.gen(function*() {
      yield* tx.updateWebhook(webhook.uid, {
        updated: t,
        ...(url === undefined ? {} : { url }),
        ...(events === undefined ? {} : { events }),
        ...(enable ? { disabled: null, disabled_reason: null } : {}),
        ...(disable ? { disabled: t, disabled_reason: "Disabled by the user" } : {})
      })
      // Enabled again: what waited is sent now, with a fresh retry schedule.
      if (enable) yield* tx.rescheduleEvents(webhook.uid, t)
    })
  )
  return yield* owned(webhook.user_uid, webhook.uid)
})

export const rotateSecret = Effect.fn("Endpoints.rotateSecret")(function*(webhook: StoreNs.WebhookRecord) {
  const secret = Signature.generateSecret()
  const store = yield* Store.Store
  yield* store.updateWebhook(webhook.uid, { sealed_secret: yield* sealSecret(webhook.uid, secret), updated: yield* Collection.now })
  return secret
})

export const ping = Effect.fn("Endpoints.ping")(function*(webhook: StoreNs.WebhookRecord) {
  const store = yield* Store.Store
  yield* store.appendEvents([{ type: "ping", user_uid: webhook.user_uid, ts: yield* Collection.now, webhook_uid: webhook.uid }])
})

/** Sends the delivery's event again, now, with a fresh retry schedule (even if it was delivered). */
export const resend = Effect.fn("Endpoints.resend")(function*(webhook: StoreNs.WebhookRecord, deliveryId: string) {
  const store = yield* Store.Store
  const delivery = yield* store.getDelivery(deliveryId)
  if (!delivery || delivery.webhook_uid !== webhook.uid) return yield* new Collection.NotFound({ message: `No delivery ${deliveryId}` })
  yield* store.updateEvent(delivery.event_uid, {
    is_delivered: false,
    attempts: 0,
    first_failure: null,
    next_attempt: yield* Collection.now,
    locked_until: null
  })
  return delivery.event_uid
})
