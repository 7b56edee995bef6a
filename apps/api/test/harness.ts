/** Builds the app over a MemoryStore, the in-process DEMO sandbox and a fresh Vault key; seeds users and tokens. */
import { expect } from "vitest"
import { ahead } from "@meterbridge/testkit/clock"
import { Clock, Context, Effect } from "effect"
import { Billing, Collectors, Quotas, Store, Timestamp, Vault, Worker } from "@meterbridge/core"
import { Endpoints } from "@meterbridge/webhooks"
import type { Collector } from "@meterbridge/core"
import { MemoryStore } from "@meterbridge/core/testing"
import type { ApiConfig, Services } from "../src/Runtime.ts"
import { type AppOptions, createApp } from "../src/app.ts"
import type { PasswordHasher } from "../src/shared/Passwords.ts"
import * as AppCollectors from "../src/server/adapters.ts"
import * as Tokens from "../src/shared/Tokens.ts"
import { nodeAssets } from "../src/node/assets.ts"
import { scryptPasswords } from "../src/node/passwords.ts"
import { nodeTokenHash } from "../src/node/tokenHash.ts"
import type { FileUploads } from "../src/shared/Uploads.ts"

export const BASE = "http://meterbridge.test"

/** The real time `ms` ahead (see `@meterbridge/testkit/clock`). */
export const clockAhead: (ms: number) => Clock.Clock = ahead

export interface Harness {
  readonly app: ReturnType<typeof createApp>["app"]
  readonly flush: () => Promise<void>
  readonly store: Store.StoreShape
  readonly context: Context.Context<Services>
  readonly clock: { now: number }
  readonly logs: Array<string>
  readonly run: <A, E>(e: Effect.Effect<A, E, Services>) => Promise<A>
  readonly drain: () => Promise<number>
  /** Runs every job due `ms` from now (retries, polls scheduled for later). */
  readonly drainAhead: (ms: number) => Promise<number>
  readonly addUser: (email: string) => Promise<{ uid: string; token: string; tokenUid: string }>
  readonly request: (path: string, init?: RequestInit & { token?: string; json?: unknown; form?: Record<string, string> }) => Promise<Response>
}

// Building the sandboxes (their datasets) is the slow part of a harness: one set per test file.
let registeredOnce: ReadonlyArray<AppCollectors.Registered> | undefined

export interface HarnessOptions {
  readonly rateLimit?: number
  readonly store?: Store.StoreShape
  readonly extraCollectors?: ReadonlyArray<Collector.Collector>
  /** Other settings (per-address limits…), over the harness's own. */
  readonly config?: Partial<ApiConfig>
  readonly appOptions?: AppOptions
  readonly passwords?: PasswordHasher
  /** Per-user quotas other than the defaults. */
  readonly quotas?: Quotas.QuotasShape
  readonly billing?: Billing.BillingSettings
  /** Webhook targets on private addresses; allowed by default (test mode, receivers on loopback). */
  readonly allowPrivate?: boolean
  readonly uploads?: FileUploads
}

export const make = async (options: HarnessOptions = {}): Promise<Harness> => {
  const store = options.store ?? MemoryStore.make()
  const registered = (registeredOnce ??= AppCollectors.build({ publicBaseUrl: BASE, env: {}, testMode: true }))
  const vault = await Effect.runPromise(Vault.make(crypto.getRandomValues(new Uint8Array(32))))
  const context = Context.make(Store.Store, store).pipe(
    Context.add(Collectors.Collectors, Collectors.make([...registered.map((r) => r.collector), ...(options.extraCollectors ?? [])])),
    Context.add(Vault.Vault, vault),
    Context.add(Quotas.Quotas, options.quotas ?? Quotas.DEFAULTS),
    Context.add(Billing.Billing, options.billing ?? Billing.defaults),
    Context.add(Endpoints.Settings, { policy: { allowPrivate: options.allowPrivate ?? true } })
  )
  const clock = { now: Date.now() }
  const logs: Array<string> = []
  const { app, flush } = createApp(
    {
      context, passwords: options.passwords ?? scryptPasswords, tokenHash: nodeTokenHash, assets: nodeAssets(),
      ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
      config: {
        signingKey: crypto.getRandomValues(new Uint8Array(32)),
        rateLimit: options.rateLimit ?? 10_000,
        publicBaseUrl: BASE,
        clock: () => clock.now,
        log: (l) => logs.push(l),
        ...options.config
      }
    },
    { mounts: AppCollectors.mounts(registered, true), logRequests: true, ...options.appOptions }
  )
  const run = <A, E>(e: Effect.Effect<A, E, Services>) => Effect.runPromise(Effect.provideContext(e, context))
  return {
    app,
    flush,
    store,
    context,
    clock,
    logs,
    run,
    drain: () => run(Worker.drain),
    drainAhead: (ms) => run(Effect.provideService(Worker.drain, Clock.Clock, clockAhead(ms))),
    addUser: async (email) => {
      const uid = crypto.randomUUID().slice(0, 8)
      await run(store.createUser({ uid, email, password_hash: null, created: Timestamp.fromMillis(Date.now()) }))
      const { record, secret } = await run(Tokens.create(uid, { now: Timestamp.fromMillis(Date.now()) }))
      return { uid, token: secret, tokenUid: record.uid }
    },
    request: (path, init = {}) => {
      const { token, json, form, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token !== undefined) headers.set("Authorization", `Token ${token}`)
      let body = rest.body
      if (json !== undefined) {
        headers.set("Content-Type", "application/json")
        body = JSON.stringify(json)
      }
      if (form !== undefined) {
        headers.set("Content-Type", "application/x-www-form-urlencoded")
        body = new URLSearchParams(form).toString()
      }
      return Promise.resolve(app.request(`${BASE}${path}`, { ...rest, headers, ...(body === undefined ? {} : { body }) }))
    }
  }
}

export const addDemoAccount = async (h: Harness, token: string) => {
  const res = await h.request("/api/accounts/add.json", {
    method: "POST",
    token,
    json: { utility: "DEMO", auth_type: "owner", real_name: "John Doe", utility_username: "test", utility_password: "test" }
  })
  if (res.status !== 200) throw new Error(`add failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { uid: string; latest?: { type: string } }
}

/** Plays the customer on the in-process sandbox's consent page; returns the callback path the utility redirects to. */
export const approveConsent = async (h: Harness, authorizationUrl: string, decision: "approve" | "decline" = "approve") => {
  const url = new URL(authorizationUrl)
  expect(url.origin).toBe(BASE)
  const page = await h.app.request(authorizationUrl)
  expect(page.status).toBe(200)
  const q = url.searchParams
  const form = new URLSearchParams({
    client_id: q.get("client_id")!,
    redirect_uri: q.get("redirect_uri")!,
    scope: q.get("scope")!,
    state: q.get("state")!,
    username: "test",
    decision
  })
  const res = await h.app.request(new URL("authorize", authorizationUrl).toString(), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString()
  })
  expect(res.status).toBe(302)
  const location = new URL(res.headers.get("location")!)
  expect(location.pathname).toBe("/api/oauth/callback")
  return `${location.pathname}${location.search}`
}
