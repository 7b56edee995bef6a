/**
 * The two kinds of Meterbridge process, both on one shared database:
 *
 * - `api` (`pnpm start`, `pnpm start:bun`, `meterbridge serve`): the HTTP
 *   surfaces, plus collection loops and webhook deliveries in the same process
 *   unless METERBRIDGE_WORKER_CONCURRENCY=0.
 * - `worker` (`meterbridge worker`): collection loops and webhook deliveries
 *   only, with a small ops server (/healthz, /readyz, /metrics) on
 *   METERBRIDGE_WORKER_OPS_PORT.
 *
 * The same on Node and Bun, which both keep a process: the app and services
 * come from `Server.make` as on Workers, and a `ProcessRuntime`
 * (node/runtime.ts, bun/runtime.ts) supplies only what is the runtime's own:
 * the HTTP listener and the peer address it sees, the Store driver, the
 * password hash and the webhook fetch. Logs, metrics, uploads, static files
 * and the secret key file are the Node modules here, which Bun runs as they are.
 *
 * Neither process holds state another process needs: jobs are leased in the
 * database, heartbeats live there, and what an API process keeps in memory
 * (rate-limit windows, the one-second token cache, request counts awaiting
 * their batched write) is per process by design (see the README).
 * Each part registers its stop with the lifecycle; to add a loop, fork it and
 * register its stop the same way.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { Effect, Fiber } from "effect"
import type { AddressPolicy } from "@meterbridge/webhooks"
import * as RequestInfo from "../shared/RequestInfo.ts"
import type { PasswordHasher } from "../shared/Passwords.ts"
import type { DatabaseTarget } from "../server/databaseUrl.ts"
import { heartbeat, readiness } from "../server/readiness.ts"
import * as Server from "../server/Server.ts"
import { type Env, type Settings, withFiles } from "../server/settings.ts"
import { nodeAssets } from "./assets.ts"
import { DEFAULT_MAX_BYTES, makeGreenButtonUploads } from "./greenButtonUploads.ts"
import * as Lifecycle from "./lifecycle.ts"
import * as Log from "./log.ts"
import * as Metrics from "./metrics.ts"
import type { OpenedStore } from "../server/storeOps.ts"
import { loadSecretKey } from "./secretKey.ts"

/** A request as the listener hands it over, with the address of the peer that sent it (undefined when it has none). */
export type Handler = (request: Request, peer: string | undefined) => Response | Promise<Response>

export interface Listener {
  /** The bound port (PORT=0 picks one). */
  readonly port: number
  /** Stops accepting, lets requests in flight finish, drops idle keep-alive connections. */
  readonly close: () => Promise<void>
}

/** What differs between the runtimes that keep a process. */
export interface ProcessRuntime {
  readonly name: "node" | "bun"
  readonly openStore: (target: DatabaseTarget) => Promise<OpenedStore>
  readonly passwords: PasswordHasher
  /** SHA-256 hex of a token secret with the runtime's native hash (every authenticated request computes one). */
  readonly tokenHash: (secret: string) => string
  /** How webhooks are POSTed: the target's addresses checked against the policy at connect time. */
  readonly deliveryFetch: (policy: AddressPolicy.Policy) => typeof globalThis.fetch
  /** Listens on the settings' host and port; rejects with a clear message when it cannot. */
  readonly listen: (settings: Settings, handler: Handler) => Promise<Listener>
}

/** `http://host:port`, with an IPv6 host in brackets. */
const originOf = (host: string, port: number) => `http://${host.includes(":") ? `[${host}]` : host}:${port}`

/**
 * The Store (migrated on every start: Kysely's migration lock makes concurrent starts on PostgreSQL safe), the app
 * and the services; `/readyz` also asks for a live collection worker's heartbeat where the process counts on one.
 */
const open = async (
  runtime: ProcessRuntime,
  settings: Settings,
  env: Env,
  log: Log.Log,
  component: "api" | "worker",
  publicBaseUrl: string,
  options: Pick<Server.ServerOptions, "uploads" | "assets" | "requestLog"> = {}
) => {
  const db = await runtime.openStore(settings.database)
  await db.migrate()
  const metrics = Metrics.make(db.store, component)
  // An API process counts on collection workers, its own or `meterbridge worker` processes; a worker is one.
  const ready = readiness(db.ops, component === "api")
  const server = await Server.make({
    store: db.store,
    secretKey: loadSecretKey(env, log.line),
    passwords: runtime.passwords,
    tokenHash: runtime.tokenHash,
    publicBaseUrl,
    settings,
    env,
    log: log.line,
    deliveryFetch: runtime.deliveryFetch(settings.webhooks.policy),
    metrics,
    ready,
    ...options
  })
  return { db, metrics, ready, server }
}

/** Collection loops, webhook deliveries and a heartbeat row, stopped (jobs handed back, heartbeat removed) through the lifecycle. */
const startWorker = (settings: Settings, server: Server.Server, db: OpenedStore, log: Log.Log, lifecycle: Lifecycle.Lifecycle) => {
  const id = `${process.env["HOSTNAME"] ?? "host"}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`
  const fiber = Effect.runFork(server.worker.pipe(Effect.provide(log.effectLayer)))
  const webhooks = Effect.runFork(server.deliveries.pipe(Effect.provide(log.effectLayer)))
  lifecycle.onStop("webhook deliveries", () => Effect.runPromise(Fiber.interrupt(webhooks)).then(() => undefined))
  const stopBeating = heartbeat(db.ops, id, (e) => log.warn("heartbeat failed", { error: String(e) }))
  lifecycle.onStop("collection worker", async () => {
    await Effect.runPromise(Fiber.interrupt(fiber))
    await stopBeating()
  })
  log.info("collection worker started", { worker_id: id, concurrency: settings.worker.concurrency, max_running_per_user: settings.worker.maxRunningPerUser })
}

/** Settings given as files (`PGE_TLS_CERT_FILE`, `METERBRIDGE_SECRET_KEY_FILE`) are read here, once, as text for the adapters and the secret key. */
const withSecretFiles = (env: Env): Env => withFiles(env, (path) => readFileSync(path, "utf8"))

export const runApi = async (runtime: ProcessRuntime, settings: Settings, rawEnv: Env): Promise<void> => {
  const env = withSecretFiles(rawEnv)
  const log = Log.make(settings, "api")
  const lifecycle = Lifecycle.make(log, settings.shutdownTimeoutMs)
  // The app needs the bound port, so the server answers 503 for the instant before it exists.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 })
  const listener = await runtime.listen(settings, (request, peer) => {
    RequestInfo.attach(request, RequestInfo.resolve(peer, request, settings.trustedProxies))
    return handler(request)
  })
  const publicBaseUrl = settings.publicUrl ?? originOf(settings.host, listener.port)

  const { db, server } = await open(runtime, settings, env, log, "api", publicBaseUrl, {
    uploads: makeGreenButtonUploads({ maxBytes: settings.uploadMaxBytes ?? DEFAULT_MAX_BYTES }),
    assets: nodeAssets(),
    ...(settings.logFormat === "json" ? { requestLog: log.request } : {})
  })
  handler = server.app.fetch
  lifecycle.onStop("database", () => db.close())
  lifecycle.onStop("request counts", server.flush)
  lifecycle.onStop("http server", listener.close)

  const first = await server.bootstrap()
  if (first) {
    log.info(`Empty database: created the user ${first.email}.`)
    // A generated token is printed once, bare, for the operator to copy; one given by environment is never echoed.
    if (first.generated) {
      log.info("Its API token is printed on the next line of standard output (shown once).")
      process.stdout.write(`${first.secret}\n`)
    }
  }
  if (settings.worker.concurrency > 0) startWorker(settings, server, db, log, lifecycle)
  log.info(Server.describeMode(settings.testMode, server.utilities))
  log.info(`Meterbridge API on ${publicBaseUrl}/api`, {
    runtime: runtime.name,
    store: db.describe,
    utilities: server.utilities,
    test_mode: settings.testMode,
    worker_concurrency: settings.worker.concurrency
  })
}

export const runWorker = async (runtime: ProcessRuntime, settings: Settings, rawEnv: Env): Promise<void> => {
  const env = withSecretFiles(rawEnv)
  const log = Log.make(settings, "worker")
  const lifecycle = Lifecycle.make(log, settings.shutdownTimeoutMs)
  if (settings.worker.concurrency === 0) throw new Error("METERBRIDGE_WORKER_CONCURRENCY is 0: a worker process needs at least one collection loop")
  const publicBaseUrl = settings.publicUrl ?? originOf(settings.host, settings.port)
  const { db, metrics, ready, server } = await open(runtime, settings, env, log, "worker", publicBaseUrl)
  lifecycle.onStop("database", () => db.close())
  if (settings.workerOpsPort !== 0) {
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
      if (path === "/metrics") return void metrics.scrape().then((m) => send(200, m.contentType, m.body))
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
  startWorker(settings, server, db, log, lifecycle)
  log.info(Server.describeMode(settings.testMode, server.utilities))
}
