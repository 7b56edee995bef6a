/**
 * The delivery worker: sends the Store's due events to their endpoints, at least once.
 *
 * Events are leased, not owned (like collection jobs): a worker killed mid-delivery leaves a lease that lapses,
 * and the event is sent again with the same `webhook-id` (its uid), which receivers deduplicate on. Each request
 * carries one event, so the id always names the same body. Only a 2xx marks the event delivered; any other outcome
 * is logged and retried on `RetrySchedule` until the endpoint has failed for 72 h, when it is disabled (with a
 * `webhook_disabled` event) until the user enables it again. Time comes from Effect's Clock, so a test clock drives it.
 */
import { Collection, Store, Timestamp } from "@meterbridge/core"
import type { Store as StoreNs, Vault } from "@meterbridge/core"
import { Clock, Effect } from "effect"
import * as Deliver from "./Deliver.ts"
import { openSecret } from "./Endpoints.ts"
import * as Payload from "./Payload.ts"
import * as RetrySchedule from "./RetrySchedule.ts"
import * as Signature from "./Signature.ts"

export interface DispatcherOptions {
  /** Who sends: `guardedFetch(policy)` from `@meterbridge/webhooks/node` on Node. */
  readonly fetch: typeof globalThis.fetch
  /** Events claimed per pass. */
  readonly batch?: number
  /** Requests in flight at once. */
  readonly concurrency?: number
  /** How long a claimed event stays leased; longer than a delivery's timeout. */
  readonly leaseMs?: number
  /** Pause after a pass that found nothing due. */
  readonly pollMs?: number
  readonly timeoutMs?: number
  readonly retryPolicy?: RetrySchedule.RetryPolicy
  /** Jitter source, `Math.random` by default. */
  readonly random?: () => number
}

const defaults = { batch: 64, concurrency: 16, leaseMs: 60_000, pollMs: 100, timeoutMs: 15_000 }

/** The event as UtilityAPI shows it; inside a push `is_delivered` is false (it is not delivered yet). */
export const eventJson = (e: StoreNs.EventRecord, is_delivered = e.is_delivered): Payload.Json => ({
  uid: e.uid,
  type: e.type,
  ts: Timestamp.format(e.ts),
  delivery_method: e.delivery_method,
  delivery_target: e.delivery_target,
  is_delivered,
  ...(e.authorization_uid === null ? {} : { authorization_uid: e.authorization_uid }),
  ...(e.meter_uid === null ? {} : { meter_uid: e.meter_uid }),
  ...(e.form_uid === null ? {} : { form_uid: e.form_uid })
})

const ms = (t: number) => Timestamp.toMillis(t)

/** What happened to one event, for the caller's figures. */
export type Result = "delivered" | "retry" | "disabled" | "skipped"

const sendOne = (event: StoreNs.EventRecord, o: Required<Omit<DispatcherOptions, "retryPolicy">> & Pick<DispatcherOptions, "retryPolicy">) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const webhook = event.webhook_uid === null ? undefined : yield* store.getWebhook(event.webhook_uid)
    if (!webhook || webhook.disabled !== null) {
      yield* store.updateEvent(event.uid, { locked_until: null })
      return "skipped" as const
    }
    const secret = yield* openSecret(webhook)
    const body = Payload.make([eventJson(event, false)]).bytes
    const started = yield* Collection.now
    const outcome = yield* Clock.clockWith((clock) =>
      Effect.promise(async () => {
        const headers = await Signature.sign({ secret, id: event.uid, timestamp: Math.floor(ms(started) / 1000), body })
        const now = () => clock.currentTimeMillisUnsafe()
        return Deliver.deliver({ url: webhook.url, body, headers: { ...headers }, fetch: o.fetch, timeoutMs: o.timeoutMs, now })
      })
    )
    const t = yield* Collection.now
    const attempt = event.attempts + 1
    return yield* Store.atomically((tx) =>
      Effect.gen(function*() {
        yield* tx.addDelivery({
          webhook_uid: webhook.uid,
          event_uid: event.uid,
          attempt,
          ts: started,
          status: outcome.status ?? null,
          latency_ms: Math.round(outcome.latencyMs * 1000) / 1000,
          reply: outcome.replyPreview,
          error: outcome.error?.message ?? null,
          delivered: outcome.delivered
        })
        if (outcome.delivered) {
          yield* tx.updateEvent(event.uid, { is_delivered: true, next_attempt: null, locked_until: null, attempts: 0, first_failure: null })
          return "delivered" as const
        }
        const firstFailure = event.first_failure ?? t
        const decision = RetrySchedule.next(
          { attempt, firstFailureAt: ms(firstFailure), now: ms(t), status: outcome.status, retryAfterMs: outcome.retryAfterMs },
          o.random,
          o.retryPolicy
        )
        if (decision._tag === "Retry") {
          yield* tx.updateEvent(event.uid, { attempts: attempt, first_failure: firstFailure, next_attempt: Timestamp.fromMillis(decision.retryAt), locked_until: null })
          return "retry" as const
        }
        // The event stays due: it goes out first once the user enables the endpoint again.
        yield* tx.updateEvent(event.uid, { attempts: attempt, first_failure: firstFailure, next_attempt: t, locked_until: null })
        const reason = decision.reason === "Gone"
          ? "The receiver answered 410 Gone"
          : `Deliveries failed for ${Math.round(decision.failingForMs / 3_600_000)} hours (last: ${outcome.error?.message ?? "no reply"})`
        yield* tx.updateWebhook(webhook.uid, { disabled: t, disabled_reason: reason })
        yield* tx.appendEvents([{ type: "webhook_disabled", user_uid: webhook.user_uid, ts: t }])
        return "disabled" as const
      })
    )
  })

/** One pass: claims what is due and sends it. Returns what happened to each claimed event. */
export const deliverDue = (options: DispatcherOptions): Effect.Effect<ReadonlyArray<Result>, StoreNs.StoreError | Vault.VaultError, Store.Store | Vault.Vault> =>
  Effect.gen(function*() {
    const o = { ...defaults, random: Math.random, ...options }
    const store = yield* Store.Store
    const t = yield* Collection.now
    const due = yield* store.claimEvents(t, t + o.leaseMs * 1000, o.batch)
    return yield* Effect.forEach(due, (e) => sendOne(e, o), { concurrency: o.concurrency })
  })

/** The long-running loop `main.node.ts` runs beside the collection worker. */
export const run = (options: DispatcherOptions): Effect.Effect<never, never, Store.Store | Vault.Vault> => {
  const o = { ...defaults, ...options }
  return Effect.forever(
    deliverDue(options).pipe(
      Effect.catchCause((cause) => Effect.logError("webhook delivery failed", cause).pipe(Effect.as([] as ReadonlyArray<Result>))),
      // A full batch means more may be due: go again at once.
      Effect.flatMap((results) => (results.length >= o.batch ? Effect.void : Effect.sleep(o.pollMs)))
    )
  ) as Effect.Effect<never, never, Store.Store | Vault.Vault>
}
