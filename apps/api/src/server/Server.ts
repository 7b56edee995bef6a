/**
 * What every runtime's entrypoint does once it has a Store, a secret key and
 * its password hash: registers the adapters, builds the services and the app
 * from the settings (server/settings.ts), creates the first user on an empty
 * database, and offers the collection worker as a bounded step (`drainFor`)
 * for runtimes without an endless loop (Workers' `scheduled`), besides the
 * endless one (`worker`). What only some runtimes can give — the client's
 * address, uploads, static files, metrics — comes in as options.
 */
import { Context, Effect } from "effect"
import { Billing, Collectors, Quotas, Store, Vault, Worker } from "@meterbridge/core"
import { Dispatcher, Endpoints } from "@meterbridge/webhooks"
import { type App, type AppOptions, createApp, type Readiness, type RequestRecord } from "../app.ts"
import type { ApiConfig, Services } from "../Runtime.ts"
import type { Assets } from "../shared/Assets.ts"
import type { PasswordHasher } from "../shared/Passwords.ts"
import type { RequestInfo } from "../shared/RequestInfo.ts"
import type { FileUploads } from "../shared/Uploads.ts"
import { bootstrap } from "./bootstrap.ts"
import * as Adapters from "./adapters.ts"
import { drainFor } from "./drainFor.ts"
import { signingKeyFrom } from "./keys.ts"
import { deliverFor, urlCheckedFetch } from "./webhooks.ts"
import type { Env, Settings } from "./settings.ts"

/** Prometheus metrics where the runtime has them (Node and Bun: node/metrics.ts). */
export interface MetricsHook {
  /** The Store, counting what collection writes. */
  readonly instrument: (store: Store.StoreShape) => Store.StoreShape
  readonly observeRequest: (r: RequestRecord) => void
  readonly scrape: () => Promise<{ readonly contentType: string; readonly body: string }>
}

export interface ServerOptions {
  readonly store: Store.StoreShape
  readonly secretKey: Uint8Array
  readonly passwords: PasswordHasher
  /** The runtime's native SHA-256 for token secrets, where it has one (see ApiRuntime.tokenHash). */
  readonly tokenHash?: (secret: string) => string
  readonly publicBaseUrl: string
  readonly settings: Settings
  /** Where adapters read their settings. */
  readonly env: Env
  readonly log: (line: string) => void
  /** How webhooks are POSTed; by default the platform fetch with the target URL checked (server/webhooks.ts). */
  readonly deliveryFetch?: typeof globalThis.fetch
  /** The client's address as the listener saw it, through the trusted proxies (RequestInfo.resolve); without it, per-address limits do not apply. */
  readonly client?: (request: Request) => RequestInfo
  /** Green Button uploads; without them the upload endpoints answer 501. */
  readonly uploads?: FileUploads
  /** The pages' static files (chart library, API reference). */
  readonly assets?: Assets
  /** `/metrics`; absent, it answers 404. */
  readonly metrics?: MetricsHook
  /** `/readyz`; by default, whether the Store answers. */
  readonly ready?: () => Promise<Readiness>
  /** Where request records go as structured logs (METERBRIDGE_LOG_FORMAT=json); without it, text lines through `log`. */
  readonly requestLog?: (r: RequestRecord) => void
}

export interface Server extends App {
  readonly settings: Settings
  readonly context: Context.Context<Services>
  readonly utilities: ReadonlyArray<string>
  /** On an empty database: the first user and its API token, else undefined; `generated`: a new token to show once (one given by METERBRIDGE_BOOTSTRAP_TOKEN is never echoed). */
  readonly bootstrap: () => Promise<{ readonly email: string; readonly secret: string; readonly generated: boolean } | undefined>
  /** Runs due collection jobs (and schedules monitoring) for at most about `budgetMs`; resolves to the jobs run. */
  readonly drainFor: (budgetMs: number) => Promise<number>
  /** The endless worker (METERBRIDGE_WORKER_CONCURRENCY loops), for runtimes that keep a process. */
  readonly worker: Effect.Effect<never, never, never>
  /** Delivers due webhook events for at most about `budgetMs`; resolves to the attempts made. */
  readonly deliverFor: (budgetMs: number) => Promise<number>
  /** The endless webhook delivery loop, beside `worker`. */
  readonly deliveries: Effect.Effect<never, never, never>
}

/** The startup line about test mode (printed by every runtime, since it must be turned off in production). */
export const describeMode = (testMode: boolean, utilities: ReadonlyArray<string>): string =>
  testMode
    ? `TEST MODE is ON (METERBRIDGE_TEST_MODE): utility sandboxes are mounted under /sandbox/<slug> and utilities without credentials run against them. Turn it off in production.`
    : `test mode is off: no sandbox is reachable over HTTP; utilities served: ${utilities.join(", ")}`

/** The services handlers and workers run against, with the settings' quotas, billing and webhook policy. */
export const contextOf = (
  store: Store.StoreShape,
  registered: ReadonlyArray<Adapters.Registered>,
  vault: Vault.VaultShape,
  settings: Settings
): Context.Context<Services> =>
  Context.make(Store.Store, store).pipe(
    Context.add(Collectors.Collectors, Collectors.make(registered.map((r) => r.collector))),
    Context.add(Vault.Vault, vault),
    Context.add(Quotas.Quotas, { maxAuthorizationsPerUser: settings.maxAuthorizationsPerUser }),
    Context.add(Billing.Billing, settings.billing),
    Context.add(Endpoints.Settings, { policy: settings.webhooks.policy })
  )

/** The app's configuration from the settings. */
export const configOf = (settings: Settings, secretKey: Uint8Array, publicBaseUrl: string, log: (line: string) => void): ApiConfig => ({
  signingKey: signingKeyFrom(secretKey),
  rateLimit: settings.rateLimit,
  anonymousRateLimit: settings.anonymousRateLimit,
  signupRateLimit: settings.signupRateLimit,
  publicBaseUrl,
  log,
  ...(settings.operators.length === 0 ? {} : { operators: settings.operators })
})

export const make = async (options: ServerOptions): Promise<Server> => {
  const publicBaseUrl = options.publicBaseUrl.replace(/\/$/, "")
  const { settings } = options
  const { testMode, webhooks } = settings
  const registered = Adapters.build({ publicBaseUrl, env: options.env, testMode })
  const vault = await Effect.runPromise(Vault.make(options.secretKey))
  const store = options.metrics ? options.metrics.instrument(options.store) : options.store
  const context = contextOf(store, registered, vault, settings)
  const dispatch: Dispatcher.DispatcherOptions = {
    fetch: options.deliveryFetch ?? urlCheckedFetch(webhooks.policy),
    pollMs: webhooks.pollMs,
    leaseMs: webhooks.leaseMs
  }
  const { metrics, requestLog } = options
  const records = settings.logRequests ? requestLog : undefined
  const observe = metrics && records
    ? (r: RequestRecord) => {
      metrics.observeRequest(r)
      records(r)
    }
    : metrics?.observeRequest ?? records
  const appOptions: AppOptions = {
    mounts: Adapters.mounts(registered, testMode),
    logRequests: settings.logRequests && requestLog === undefined,
    maxBodyBytes: settings.maxBodyBytes,
    ...(options.client ? { client: options.client } : {}),
    ...(options.ready ? { ready: options.ready } : {}),
    ...(observe ? { observe } : {}),
    ...(metrics ? { metrics: metrics.scrape } : {}),
    ...(settings.metricsToken === undefined ? {} : { metricsToken: settings.metricsToken })
  }
  const { app, flush } = createApp(
    {
      context,
      passwords: options.passwords,
      ...(options.tokenHash ? { tokenHash: options.tokenHash } : {}),
      config: configOf(settings, options.secretKey, publicBaseUrl, options.log),
      ...(options.uploads ? { uploads: options.uploads } : {}),
      ...(options.assets ? { assets: options.assets } : {})
    },
    appOptions
  )
  const { leaseMs, pollMs, concurrency, maxRunningPerUser } = settings.worker
  return {
    app,
    flush,
    settings,
    context,
    utilities: registered.map((r) => r.collector.info.utility),
    bootstrap: async () => {
      const first = await Effect.runPromise(Effect.provideContext(
        bootstrap({ email: settings.adminEmail, token: settings.bootstrapToken, nowMs: Date.now() }),
        context
      ))
      return first && { email: first.user.email, secret: first.secret, generated: first.generated }
    },
    drainFor: (budgetMs) => Effect.runPromise(Effect.provideContext(drainFor(budgetMs, leaseMs, maxRunningPerUser), context)),
    worker: Effect.provideContext(Worker.run({ concurrency, leaseMs, pollMs, maxRunningPerUser }), context),
    deliverFor: (budgetMs) => Effect.runPromise(Effect.provideContext(deliverFor(budgetMs, dispatch), context)),
    deliveries: Effect.provideContext(Dispatcher.run(dispatch), context)
  }
}
