/**
 * `pnpm start`: the API on `PORT` (3000) with the Store at `DATABASE_URL`
 * (SQLite under ./data by default) and the collection worker in the same
 * process. Jobs are leased in the Store, so a job cut off by a crash is
 * taken again after its lease lapses.
 */
import { serve } from "@hono/node-server"
import { Context, Effect, Fiber } from "effect"
import { Billing, Collectors, Store, Vault, Worker } from "@meterbridge/core"
import { Dispatcher, Endpoints } from "@meterbridge/webhooks"
import { GuardedFetch } from "@meterbridge/webhooks/node"
import { createApp } from "./app.ts"
import * as AppCollectors from "./node/collectors.ts"
import { bootstrap, DEFAULT_ADMIN_EMAIL } from "./node/bootstrap.ts"
import { parseDatabaseUrl } from "./node/databaseUrl.ts"
import { openStore } from "./node/openStore.ts"
import { loadSecretKey, signingKeyFrom } from "./node/secretKey.ts"
import { nodeAssets } from "./node/assets.ts"
import { scryptPasswords } from "./node/passwords.ts"
import * as Settings from "./node/settings.ts"
import { DEFAULT_MAX_BYTES, makeGreenButtonUploads } from "./node/greenButtonUploads.ts"

const env = process.env
const log = (line: string) => console.log(line)

/** An integer setting from the environment, within bounds, or a clear error naming it. */
const intEnv = (name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return n
}

/** `METERBRIDGE_OPERATORS`: emails, comma-separated; unset leaves the first user the operator. */
const operatorsFrom = (raw: string | undefined) => {
  const emails = (raw ?? "").split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== "")
  return emails.length === 0 ? {} : { operators: emails }
}

const main = async () => {
  const port = intEnv("PORT", 3000, 0, 65535)
  const host = env["HOST"] ?? "127.0.0.1"
  const leaseMs = intEnv("METERBRIDGE_WORKER_LEASE_MS", 60_000, 100, 86_400_000)
  const pollMs = intEnv("METERBRIDGE_WORKER_POLL_MS", 1_000, 10, 3_600_000)
  const rateLimit = intEnv("METERBRIDGE_RATE_LIMIT", 50, 1, 10_000)
  const uploadMaxBytes = intEnv("METERBRIDGE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES, 1, 2 ** 40)

  const target = parseDatabaseUrl(env["DATABASE_URL"])
  const db = await openStore(target)
  await db.migrate()
  const secretKey = loadSecretKey(env, log)
  const vault = await Effect.runPromise(Vault.make(secretKey))

  // The app needs the bound port (PORT=0 picks one), so the server answers 503 for the instant before it exists.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 })
  const server = serve({ fetch: (request) => handler(request), port, hostname: host })
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve())
    server.once("error", (e) => reject(new Error(`cannot listen on ${host}:${port}: ${e.message}`)))
  })
  const address = server.address()
  const actualPort = typeof address === "object" && address ? address.port : port
  const publicBaseUrl = (env["METERBRIDGE_PUBLIC_URL"] ?? `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`).replace(/\/$/, "")

  const registered = AppCollectors.build({ publicBaseUrl, env })
  const context = Context.make(Store.Store, db.store).pipe(
    Context.add(Collectors.Collectors, Collectors.make(registered.map((r) => r.collector))),
    Context.add(Vault.Vault, vault),
    Context.add(Billing.Billing, Settings.billing(env)),
    Context.add(Endpoints.Settings, { policy: Settings.webhookPolicy(env, registered) })
  )
  const { app, flush } = createApp(
    { context, passwords: scryptPasswords, uploads: makeGreenButtonUploads({ maxBytes: uploadMaxBytes }), assets: nodeAssets, config: { signingKey: signingKeyFrom(secretKey), rateLimit, publicBaseUrl, log, ...operatorsFrom(env["METERBRIDGE_OPERATORS"]) } },
    { mounts: AppCollectors.mounts(registered), logRequests: env["METERBRIDGE_LOG_REQUESTS"] !== "0" }
  )
  handler = app.fetch

  const first = await Effect.runPromise(Effect.provideContext(
    bootstrap({ email: env["METERBRIDGE_ADMIN_EMAIL"] ?? DEFAULT_ADMIN_EMAIL, token: env["METERBRIDGE_BOOTSTRAP_TOKEN"], nowMs: Date.now() }),
    context
  ))
  if (first) {
    log(`Empty database: created the user ${first.user.email}. Its API token (shown once):`)
    log(first.secret)
  }

  const worker = Effect.runFork(Effect.provideContext(Worker.run({ leaseMs, pollMs }), context))
  const webhooks = Effect.runFork(Effect.provideContext(
    Dispatcher.run({
      fetch: GuardedFetch.guardedFetch(Settings.webhookPolicy(env, registered)),
      pollMs: intEnv("METERBRIDGE_WEBHOOK_POLL_MS", 100, 5, 60_000),
      leaseMs: intEnv("METERBRIDGE_WEBHOOK_LEASE_MS", 60_000, 100, 3_600_000)
    }),
    context
  ))
  log(`Meterbridge API on ${publicBaseUrl}/api (store: ${db.describe}; utilities: ${registered.map((r) => r.collector.info.utility).join(", ")})`)

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`${signal}: shutting down`)
    await Effect.runPromise(Fiber.interrupt(worker))
    await Effect.runPromise(Fiber.interrupt(webhooks))
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await flush()
    await db.close()
    process.exit(0)
  }
  process.on("SIGINT", () => void shutdown("SIGINT"))
  process.on("SIGTERM", () => void shutdown("SIGTERM"))
}

main().catch((e: unknown) => {
  // Configuration and startup problems (bad DATABASE_URL, key, port in use) get one clear line, not a stack.
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
