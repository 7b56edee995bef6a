/**
 * `pnpm start:bun`: the same app as `pnpm start`, served by `Bun.serve`, with
 * the Store in SQLite through `bun:sqlite` (or PostgreSQL via `pg`) and the
 * collection worker in the same process. The same settings as Node, read by
 * the same reader (server/settings.ts) from `Bun.env`; the Node modules that
 * need nothing Bun lacks (metrics, logs, static files) are Node's own.
 */
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import * as RequestInfo from "./shared/RequestInfo.ts"
import * as Lifecycle from "./server/lifecycle.ts"
import { readiness } from "./server/readiness.ts"
import * as Server from "./server/Server.ts"
import * as Settings from "./server/settings.ts"
import { nodeAssets } from "./node/assets.ts"
import { DEFAULT_MAX_BYTES, makeGreenButtonUploads } from "./node/greenButtonUploads.ts"
import * as Log from "./node/log.ts"
import * as Metrics from "./node/metrics.ts"
import { loadSecretKey } from "./node/secretKey.ts"
import { openStore } from "./bun/openStore.ts"
import { bunPasswords } from "./bun/passwords.ts"
import { pinnedFetch } from "./bun/pinnedFetch.ts"

const env = Settings.withFiles(Bun.env, (path) => readFileSync(path, "utf8"))

const main = async () => {
  const settings = Settings.read(env)
  const log = Log.make(settings, "api")
  const db = await openStore(settings.database)
  await db.migrate()
  const secretKey = loadSecretKey(env, log.line)

  // The app needs the bound port (PORT=0 picks one), so the server answers 503 for the instant before it exists.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 })
  const server = Bun.serve({
    port: settings.port,
    hostname: settings.host,
    // Bun refuses bodies above 128 MiB by default, before the app could answer in its own format.
    maxRequestBodySize: Math.max(settings.maxBodyBytes, settings.uploadMaxBytes ?? DEFAULT_MAX_BYTES) + 1024 * 1024,
    fetch: (request) => handler(request)
  })
  const publicBaseUrl = settings.publicUrl ?? `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${server.port}`

  const api = await Server.make({
    store: db.store,
    secretKey,
    passwords: bunPasswords,
    publicBaseUrl,
    settings,
    env,
    log: log.line,
    deliveryFetch: pinnedFetch(settings.webhooks.policy),
    client: (request) => RequestInfo.resolve(server.requestIP(request)?.address, request, settings.trustedProxies),
    uploads: makeGreenButtonUploads({ maxBytes: settings.uploadMaxBytes ?? DEFAULT_MAX_BYTES }),
    assets: nodeAssets(),
    metrics: Metrics.make(db.store, "api"),
    ready: readiness(db.ops, settings.worker.concurrency > 0),
    ...(settings.logFormat === "json" ? { requestLog: log.request } : {})
  })
  handler = api.app.fetch
  const stop = await Lifecycle.start(api, {
    log: log.line,
    printSecret: (secret) => void process.stdout.write(`${secret}\n`),
    publicBaseUrl,
    describe: `Bun; store: ${db.describe}`,
    runWorker: settings.worker.concurrency > 0,
    ops: db.ops,
    workerId: `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
    closeListener: () => server.stop(),
    closeStore: () => db.close()
  })
  const exit = (signal: string) => {
    // As on Node: work in flight gets METERBRIDGE_SHUTDOWN_TIMEOUT_MS, then the process exits anyway.
    setTimeout(() => {
      log.error("shutdown deadline passed; exiting with work unfinished", { deadline_ms: settings.shutdownTimeoutMs })
      process.exit(1)
    }, settings.shutdownTimeoutMs).unref()
    void stop(signal).then(() => process.exit(0))
  }
  process.on("SIGINT", () => exit("SIGINT"))
  process.on("SIGTERM", () => exit("SIGTERM"))
}

main().catch((e: unknown) => {
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
