/**
 * The two kinds of Meterbridge process, both on one shared database:
 *
 * - `api` (`pnpm start`, `meterbridge serve`): the HTTP surfaces, plus
 *   collection loops in the same process unless METERBRIDGE_WORKER_CONCURRENCY=0.
 * - `worker` (`meterbridge worker`): collection loops only, with a small ops
 *   server (/healthz, /readyz, /metrics) on METERBRIDGE_WORKER_OPS_PORT.
 *
 * Neither holds state another process needs: jobs are leased in the
 * database, heartbeats live there, and what an API process keeps in memory
 * (rate-limit windows, the one-second token cache, request counts awaiting
 * their batched write) is per process by design (see the README).
 * Each part registers its stop with the lifecycle; to add a loop (e.g.
 * webhook deliveries), fork it and register its stop the same way.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { serve } from "@hono/node-server"
import { Context, Effect, Fiber } from "effect"
import { Vault, Worker } from "@meterbridge/core"
import { Dispatcher } from "@meterbridge/webhooks"
import { GuardedFetch } from "@meterbridge/webhooks/node"
import { createApp } from "../app.ts"
import * as RequestInfo from "../shared/RequestInfo.ts"
import type { Services } from "../Runtime.ts"
import * as AppCollectors from "../server/adapters.ts"
import { heartbeat, readiness } from "../server/readiness.ts"
import * as Server from "../server/Server.ts"
import { type Settings, withFiles } from "../server/settings.ts"
import { nodeAssets } from "./assets.ts"
import { bootstrap } from "../server/bootstrap.ts"
import { DEFAULT_MAX_BYTES, makeGreenButtonUploads } from "./greenButtonUploads.ts"
import * as Lifecycle from "./lifecycle.ts"
import * as Log from "./log.ts"
import * as Metrics from "./metrics.ts"
import { type OpenedStore, openStore } from "./openStore.ts"
import { scryptPasswords } from "./passwords.ts"
import { nodeTokenHash } from "./tokenHash.ts"
import { loadSecretKey } from "./secretKey.ts"

type Env = Readonly<Record<string, string | undefined>>

interface Opened {
  readonly db: OpenedStore
  readonly context: Context.Context<Services>
  readonly registered: ReadonlyArray<AppCollectors.Registered>
  readonly metrics: Metrics.Metrics
  readonly secretKey: Uint8Array
}

const open = async (settings: Settings, env: Env, log: Log.Log, component: "api" | "worker", publicBaseUrl: string): Promise<Opened> => {
  const db = await openStore(settings.database)
  // Every process migrates on start: Kysely's migration lock makes concurrent starts on PostgreSQL safe.
  await db.migrate()
  const secretKey = loadSecretKey(env, log.line)
  const vault = await Effect.runPromise(Vault.make(secretKey))
  // Adapters read their settings (TLS certificates included) as text: `<NAME>_FILE` variables are read here.
  const registered = AppCollectors.build({ publicBaseUrl, env: withFiles(env, (path) => readFileSync(path, "utf8")), testMode: settings.testMode })
  const metrics = Metrics.make(db.store, component)
  const context = Server.contextOf(metrics.instrument(db.store), registered, vault, settings)
  return { db, context, registered, metrics, secretKey }
}

/** Collection loops plus a heartbeat row, stopped (jobs handed back, heartbeat removed) through the lifecycle. */
const startWorker = (settings: Settings, opened: Opened, log: Log.Log, lifecycle: Lifecycle.Lifecycle) => {
  const id = `${process.env["HOSTNAME"] ?? "host"}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`
  const fiber = Effect.runFork(
    Effect.provideContext(
      Worker.run({
        concurrency: settings.worker.concurrency,
        leaseMs: settings.worker.leaseMs,
        pollMs: settings.worker.pollMs,
        maxRunningPerUser: settings.worker.maxRunningPerUser
      }),
      opened.context
    ).pipe(Effect.provide(log.effectLayer))
  )
  // Webhook deliveries run beside collection: one more loop, stopped the same way.
  const webhooks = Effect.runFork(
    Effect.provideContext(
      Dispatcher.run({
        fetch: GuardedFetch.guardedFetch(settings.webhooks.policy),
        pollMs: settings.webhooks.pollMs,
        leaseMs: settings.webhooks.leaseMs
      }),
      opened.context
    ).pipe(Effect.provide(log.effectLayer))
  )
  lifecycle.onStop("webhook deliveries", () => Effect.runPromise(Fiber.interrupt(webhooks)).then(() => undefined))
  const stopBeating = heartbeat(opened.db.ops, id, (e) => log.warn("heartbeat failed", { error: String(e) }))
  lifecycle.onStop("collection worker", async () => {
    await Effect.runPromise(Fiber.interrupt(fiber))
    await stopBeating()
  })
  log.info("collection worker started", { worker_id: id, concurrency: settings.worker.concurrency, max_running_per_user: settings.worker.maxRunningPerUser })
}

export const runApi = async (settings: Settings, env: Env): Promise<void> => {
  const log = Log.make(settings, "api")
  const lifecycle = Lifecycle.make(log, settings.shutdownTimeoutMs)
  // The app needs the bound port (PORT=0 picks one), so the server answers 503 for the instant before it exists.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 })
  const server = serve({
    fetch: (request, nodeEnv) => {
      RequestInfo.attach(request, RequestInfo.resolve(nodeEnv.incoming.socket.remoteAddress, request, settings.trustedProxies))
      return handler(request)
    },
    port: settings.port,
    hostname: settings.host
  })
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve())
    server.once("error", (e) => reject(new Error(`cannot listen on ${settings.host}:${settings.port}: ${e.message}`)))
  })
  const address = server.address()
  const port = typeof address === "object" && address ? address.port : settings.port
  const publicBaseUrl = settings.publicUrl ?? `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}`

  const opened = await open(settings, env, log, "api", publicBaseUrl)
  const { app, flush } = createApp(
    {
      context: opened.context,
      passwords: scryptPasswords,
      tokenHash: nodeTokenHash,
      uploads: makeGreenButtonUploads({ maxBytes: settings.uploadMaxBytes ?? DEFAULT_MAX_BYTES }),
      assets: nodeAssets(),
      config: Server.configOf(settings, opened.secretKey, publicBaseUrl, log.line)
    },
    {
      mounts: AppCollectors.mounts(opened.registered, settings.testMode),
      logRequests: settings.logRequests && settings.logFormat === "text",
      maxBodyBytes: settings.maxBodyBytes,
      observe: (r) => {
        opened.metrics.observeRequest(r)
        if (settings.logRequests && settings.logFormat === "json") log.request(r)
      },
      ready: readiness(opened.db.ops, true),
      metrics: opened.metrics.scrape,
      ...(settings.metricsToken === undefined ? {} : { metricsToken: settings.metricsToken })
    }
  )
  handler = app.fetch
  lifecycle.onStop("database", () => opened.db.close())
  lifecycle.onStop("request counts", flush)
  lifecycle.onStop("http server", () => new Promise<void>((resolve) => {
    // Stop accepting, let requests in flight finish (the deadline bounds them), drop idle keep-alive sockets.
    server.close(() => resolve())
    ;(server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.()
  }))

  const first = await Effect.runPromise(Effect.provideContext(
    bootstrap({ email: settings.adminEmail, token: settings.bootstrapToken, nowMs: Date.now() }),
    opened.context
  ))
  if (first) {
    log.info(`Empty database: created the user ${first.user.email}.`)
    // A generated token is printed once, bare, for the operator to copy; one given by environment is never echoed.
    if (first.generated) {
      log.info("Its API token is printed on the next line of standard output (shown once).")
      process.stdout.write(`${first.secret}\n`)
    }
  }
  if (settings.worker.concurrency > 0) startWorker(settings, opened, log, lifecycle)
  log.info(Server.describeMode(settings.testMode, opened.registered.map((r) => r.collector.info.utility)))
  log.info(`Meterbridge API on ${publicBaseUrl}/api`, {
    store: opened.db.describe,
    utilities: opened.registered.map((r) => r.collector.info.utility),
    test_mode: settings.testMode,
    worker_concurrency: settings.worker.concurrency
  })
}

export const runWorker = async (settings: Settings, env: Env): Promise<void> => {
  const log = Log.make(settings, "worker")
  const lifecycle = Lifecycle.make(log, settings.shutdownTimeoutMs)
  if (settings.worker.concurrency === 0) throw new Error("METERBRIDGE_WORKER_CONCURRENCY is 0: a worker process needs at least one collection loop")
  const publicBaseUrl = settings.publicUrl ?? `http://${settings.host}:${settings.port}`
  const opened = await open(settings, env, log, "worker", publicBaseUrl)
  lifecycle.onStop("database", () => opened.db.close())
  if (settings.workerOpsPort !== 0) {
    const ready = readiness(opened.db.ops, false)
    const ops = createServer((req, res) => {
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" })
        res.end(body)
      }
      const path = (req.url ?? "/").split("?")[0]
      if (path === "/healthz") return send(200, "application/json", JSON.stringify({ status: "ok" }))
      if (path === "/readyz") {
        return void ready().then((r) => send(r.ready ? 200 : 503, "application/json", JSON.stringify({ status: r.ready ? "ready" : "not_ready", checks: r.checks })))
      }
      if (path === "/metrics") return void opened.metrics.scrape().then((m) => send(200, m.contentType, m.body))
      send(404, "application/json", JSON.stringify({ error: "not_found" }))
    })
    await new Promise<void>((resolve, reject) => {
      ops.once("listening", resolve)
      ops.once("error", (e) => reject(new Error(`cannot listen on ${settings.host}:${settings.workerOpsPort} (METERBRIDGE_WORKER_OPS_PORT): ${e.message}`)))
      ops.listen(settings.workerOpsPort, settings.host)
    })
    lifecycle.onStop("ops server", () => new Promise<void>((resolve) => ops.close(() => resolve())))
    log.info(`worker ops endpoints on http://${settings.host}:${settings.workerOpsPort}/healthz, /readyz, /metrics`)
  }
  startWorker(settings, opened, log, lifecycle)
  log.info(Server.describeMode(settings.testMode, opened.registered.map((r) => r.collector.info.utility)))
}
