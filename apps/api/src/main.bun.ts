/**
 * `pnpm start:bun`: the same app as `pnpm start`, served by `Bun.serve`, with
 * the Store in SQLite through `bun:sqlite` (or PostgreSQL via `pg`) and the
 * collection worker in the same process. Settings as on Node (README).
 */
import { Effect, Fiber } from "effect"
import * as Server from "./server/Server.ts"
import * as Settings from "./server/settings.ts"
import { parseDatabaseUrl } from "./server/databaseUrl.ts"
import { loadSecretKey } from "./node/secretKey.ts"
import { openStore } from "./bun/openStore.ts"
import { bunPasswords } from "./bun/passwords.ts"
import { readFileSync } from "node:fs"

const env = Settings.withFiles(Bun.env, (path) => readFileSync(path, "utf8"))
const log = (line: string) => console.log(line)

const main = async () => {
  const port = Settings.intSetting(env, "PORT", 3000, 0, 65535)
  const host = env["HOST"] ?? "127.0.0.1"
  const settings = Settings.read(env)
  const db = await openStore(parseDatabaseUrl(env["DATABASE_URL"]))
  await db.migrate()
  const secretKey = loadSecretKey(env, log)

  let handler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 })
  const server = Bun.serve({ port, hostname: host, fetch: (request) => handler(request) })
  const publicBaseUrl = (env["METERBRIDGE_PUBLIC_URL"] ?? `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`).replace(/\/$/, "")

  const api = await Server.make({ store: db.store, secretKey, passwords: bunPasswords, publicBaseUrl, settings, env, log })
  handler = api.app.fetch
  const first = await api.bootstrap()
  if (first) {
    log(`Empty database: created the user ${first.email}. Its API token (shown once):`)
    log(first.secret)
  }
  const worker = Effect.runFork(api.worker)
  log(`Meterbridge API on ${publicBaseUrl}/api (Bun; store: ${db.describe}; utilities: ${api.utilities.join(", ")})`)

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`${signal}: shutting down`)
    await Effect.runPromise(Fiber.interrupt(worker))
    await server.stop()
    await api.flush()
    await db.close()
    process.exit(0)
  }
  process.on("SIGINT", () => void shutdown("SIGINT"))
  process.on("SIGTERM", () => void shutdown("SIGTERM"))
}

main().catch((e: unknown) => {
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
