/** Shared bench setup: a SQLite Store in a temp folder with one user, one token and one service with a year of 15-minute intervals. */
import { serve } from "@hono/node-server"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect } from "effect"
import { Collectors, Store, Timestamp, Vault } from "@meterbridge/core"
import type { Hono } from "hono"
import { createApp } from "../src/app.ts"
import { openStore } from "../src/node/openStore.ts"
import * as Tokens from "../src/shared/Tokens.ts"
import { scryptPasswords } from "../src/node/passwords.ts"

export const YEAR_ROWS = 365 * 96

export const setup = async () => {
  const dir = mkdtempSync(join(tmpdir(), "mb-bench-"))
  const db = await openStore({ kind: "sqlite", path: join(dir, "bench.db") })
  await db.migrate()
  const store = db.store
  const run = <A, E>(e: Effect.Effect<A, E, Store.Store>) => Effect.runPromise(Effect.provideService(e, Store.Store, store))
  const now = Timestamp.fromMillis(Date.now())
  await run(store.createUser({ uid: "u1", email: "bench@example.com", password_hash: null, created: now }))
  const { secret } = await run(Tokens.create("u1", { now }))
  await run(store.createAccount({
    uid: "a1", user_uid: "u1", utility: "DEMO", created: now, auth_type: "owner", auth: "Bench", auth_expires: null,
    login: "credentials", latest: null, sealed_grant: "v1.x.y", authorization_ref: null, authorization_url: null, ...Store.v1AccountFields
  }))
  const service = await run(store.upsertService({
    uid: "s1", user_uid: "u1", account_uid: "a1", utility: "DEMO", created: now, active_until: null, latest: null, last_collected: null, ...Store.v1ServiceFields,
    utility_service_id: "1234567890", utility_tariff_name: "E1", utility_service_address: "123 Main St", utility_billing_account: "1",
    utility_billing_contact: "DOE,JOHN", utility_billing_address: "123 Main St", utility_meter_number: "A1"
  }))
  const start = Timestamp.parse("2024-01-01T08:00:00Z")!
  for (let i = 0; i < YEAR_ROWS; i += 5000) {
    await run(store.upsertIntervals(Array.from({ length: Math.min(5000, YEAR_ROWS - i) }, (_, k) => {
      const n = i + k
      return {
        service_uid: service.uid, utility: "DEMO", utility_service_id: "1234567890", utility_tariff_name: "E1",
        utility_service_address: "123 Main St", utility_meter_number: "A1",
        interval_start: start + n * 900_000_000, interval_end: start + (n + 1) * 900_000_000,
        interval_kWh: Math.round(Math.abs(Math.sin(n / 40)) * 1000) / 1000, flow: "delivered" as const, quality: "actual" as const,
        source: null, updated: now
      }
    })))
  }
  const vault = await Effect.runPromise(Vault.make(crypto.getRandomValues(new Uint8Array(32))))
  const context = Context.make(Store.Store, store).pipe(
    Context.add(Collectors.Collectors, Collectors.make([])),
    Context.add(Vault.Vault, vault)
  )
  const { app } = createApp({
    context, passwords: scryptPasswords,
    config: { signingKey: crypto.getRandomValues(new Uint8Array(32)), rateLimit: 10_000, publicBaseUrl: "http://127.0.0.1", log: () => {} }
  })
  return {
    store,
    run,
    app,
    token: secret,
    serviceUid: service.uid,
    close: async () => {
      await db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const listen = (app: Pick<Hono, "fetch">) =>
  new Promise<{ base: string; close: () => Promise<void> }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        base: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((r) => server.close(() => r()))
      }))
  })

/** Runs `task` from `concurrency` loops for `ms`; returns completions per second. */
export const throughput = async (ms: number, concurrency: number, task: () => Promise<void>) => {
  const end = performance.now() + ms
  let done = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await task()
      done++
    }
  }))
  return done / ((performance.now() - t0) / 1000)
}

export const ratio = (label: string, value: number, baseline: number, unit: string) =>
  console.log(`${label}: ${value.toFixed(0)} ${unit} vs baseline ${baseline.toFixed(0)} ${unit} = ${(100 * value / baseline).toFixed(1)} % (target ≥ 50 %)`)
