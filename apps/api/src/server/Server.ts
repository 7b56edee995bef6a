/**
 * What every runtime's entrypoint does once it has a Store, a secret key and
 * its password hash: registers the adapters, builds the services and the app,
 * creates the first user on an empty database, and offers the collection
 * worker as a bounded step (`drainFor`) for runtimes without an endless loop
 * (Workers' `scheduled`), besides the endless one (`worker`).
 */
import { Context, Effect } from "effect"
import { Collectors, Store, Vault, Worker } from "@meterbridge/core"
import { Dispatcher, Endpoints } from "@meterbridge/webhooks"
import { createApp, type App } from "../app.ts"
import type { Services } from "../Runtime.ts"
import type { PasswordHasher } from "../shared/Passwords.ts"
import { bootstrap } from "./bootstrap.ts"
import * as Adapters from "./adapters.ts"
import { drainFor } from "./drainFor.ts"
import { signingKeyFrom } from "./keys.ts"
import { deliverFor, urlCheckedFetch } from "./webhooks.ts"
import type { Env, ServerSettings } from "./settings.ts"

export interface ServerOptions {
  readonly store: Store.StoreShape
  readonly secretKey: Uint8Array
  readonly passwords: PasswordHasher
  readonly publicBaseUrl: string
  readonly settings: ServerSettings
  /** Where adapters read their settings. */
  readonly env: Env
  readonly log: (line: string) => void
  /** How webhooks are POSTed; by default the platform fetch with the target URL checked (server/webhooks.ts). */
  readonly deliveryFetch?: typeof globalThis.fetch
}

export interface Server extends App {
  readonly context: Context.Context<Services>
  readonly utilities: ReadonlyArray<string>
  /** On an empty database: the first user and its API token (shown once), else undefined. */
  readonly bootstrap: () => Promise<{ readonly email: string; readonly secret: string } | undefined>
  /** Runs due collection jobs (and schedules monitoring) for at most about `budgetMs`; resolves to the jobs run. */
  readonly drainFor: (budgetMs: number) => Promise<number>
  /** The endless worker, for runtimes that keep a process. */
  readonly worker: Effect.Effect<never, never, never>
  /** Delivers due webhook events for at most about `budgetMs`; resolves to the attempts made. */
  readonly deliverFor: (budgetMs: number) => Promise<number>
  /** The endless webhook delivery loop, beside `worker`. */
  readonly deliveries: Effect.Effect<never, never, never>
}

export const make = async (options: ServerOptions): Promise<Server> => {
  const publicBaseUrl = options.publicBaseUrl.replace(/\/$/, "")
  const { testMode, webhooks } = options.settings
  const registered = Adapters.build({ publicBaseUrl, env: options.env, testMode })
  const vault = await Effect.runPromise(Vault.make(options.secretKey))
  const context = Context.make(Store.Store, options.store).pipe(
    Context.add(Collectors.Collectors, Collectors.make(registered.map((r) => r.collector))),
    Context.add(Vault.Vault, vault),
    Context.add(Endpoints.Settings, { policy: webhooks.policy })
  )
  const dispatch: Dispatcher.DispatcherOptions = {
    fetch: options.deliveryFetch ?? urlCheckedFetch(webhooks.policy),
    pollMs: webhooks.pollMs,
    leaseMs: webhooks.leaseMs
  }
  const { app, flush } = createApp(
    {
      context,
      passwords: options.passwords,
      config: { signingKey: signingKeyFrom(options.secretKey), rateLimit: options.settings.rateLimit, publicBaseUrl, log: options.log }
    },
    { mounts: Adapters.mounts(registered, testMode), logRequests: options.settings.logRequests }
  )
  const { leaseMs, pollMs } = options.settings
  return {
    app,
    flush,
    context,
    utilities: registered.map((r) => r.collector.info.utility),
    bootstrap: async () => {
      const first = await Effect.runPromise(Effect.provideContext(
        bootstrap({ email: options.settings.adminEmail, token: options.settings.bootstrapToken, nowMs: Date.now() }),
        context
      ))
      return first && { email: first.user.email, secret: first.secret }
    },
    drainFor: (budgetMs) => Effect.runPromise(Effect.provideContext(drainFor(budgetMs, leaseMs), context)),
    worker: Effect.provideContext(Worker.run({ leaseMs, pollMs }), context),
    deliverFor: (budgetMs) => Effect.runPromise(Effect.provideContext(deliverFor(budgetMs, dispatch), context)),
    deliveries: Effect.provideContext(Dispatcher.run(dispatch), context)
  }
}
