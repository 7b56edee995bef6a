/**
 * Webhook deliveries for the runtime-neutral server (server/Server.ts). Node
 * and Bun hand in a fetch that checks what a name resolves to at connect time
 * (`guardedFetch` from `@meterbridge/webhooks/node`, bun/pinnedFetch.ts); the
 * default here, Workers', checks the target URL (scheme, userinfo, IP
 * literals, `localhost`) before the platform `fetch`: a Worker resolves no
 * names itself and cannot reach a private network anyway.
 */
import { Clock, Effect } from "effect"
import { AddressPolicy, Dispatcher } from "@meterbridge/webhooks"
import type { Services } from "../Runtime.ts"

/** The platform `fetch`, refusing targets the URL alone shows to be non-public (unless `allowPrivate`). */
export const urlCheckedFetch = (policy: AddressPolicy.Policy, base: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input
    const checked = AddressPolicy.checkUrl(url, policy)
    // Rejects like a network error, with the refusal as its cause, as guardedFetch does (`deliver` reports it as TargetRefused).
    if (checked instanceof AddressPolicy.TargetRefused) throw new TypeError("fetch failed", { cause: checked })
    return base(input, init)
  }) as typeof globalThis.fetch

/** Delivers due events until none is left or about `budgetMs` is spent (Workers' `scheduled`); resolves to the attempts made. */
export const deliverFor = (budgetMs: number, options: Dispatcher.DispatcherOptions): Effect.Effect<number, never, Services> =>
  Effect.gen(function*() {
    const o = { batch: 64, ...options }
    const start = yield* Clock.currentTimeMillis
    let sent = 0
    while ((yield* Clock.currentTimeMillis) - start < budgetMs) {
      const results = yield* Dispatcher.deliverDue(o).pipe(
        Effect.catchCause((cause) => Effect.logError("webhook delivery failed", cause).pipe(Effect.as([] as ReadonlyArray<Dispatcher.Result>)))
      )
      sent += results.length
      // Less than a full batch: nothing more is due (as in Dispatcher.run).
      if (results.length < o.batch) break
    }
    return sent
  })
