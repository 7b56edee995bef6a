/**
 * `pnpm start`: the API on `PORT` (3000) with the Store at `DATABASE_URL`
 * (SQLite under ./data by default) and the collection worker in the same
 * process. Jobs are leased in the Store, so a job cut off by a crash is
 * taken again after its lease lapses.
 */
import { serve } from "@hono/node-server"
import { readFileSync } from "node:fs"
import * as Lifecycle from "./server/lifecycle.ts"
import * as Server from "./server/Server.ts"
import * as Settings from "./server/settings.ts"
import { parseDatabaseUrl } from "./server/databaseUrl.ts"
import { openStore } from "./node/openStore.ts"
import { loadSecretKey } from "./node/secretKey.ts"
import { scryptPasswords } from "./node/passwords.ts"

const env = Settings.withFiles(process.env, (path) => readFileSync(path, "utf8"))
const log = (line: string) => console.log(line)

const main = async () => {
  const port = Settings.intSetting(env, "PORT", 3000, 0, 65535)
  const host = env["HOST"] ?? "127.0.0.1"
  const settings = Settings.read(env)

  const target = parseDatabaseUrl(env["DATABASE_URL"])
  const db = await openStore(target)
  await db.migrate()
  const secretKey = loadSecretKey(env, log)

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

  const api = await Server.make({ store: db.store, secretKey, passwords: scryptPasswords, publicBaseUrl, settings, env, log })
  handler = api.app.fetch

  const stop = await Lifecycle.start(api, {
    log,
    publicBaseUrl,
    describe: `store: ${db.describe}`,
    closeListener: () => new Promise<void>((resolve) => server.close(() => resolve())),
    closeStore: () => db.close()
  })
  const exit = (signal: string) => void stop(signal).then(() => process.exit(0))
  process.on("SIGINT", () => exit("SIGINT"))
  process.on("SIGTERM", () => exit("SIGTERM"))
}

main().catch((e: unknown) => {
  // Configuration and startup problems (bad DATABASE_URL, key, port in use) get one clear line, not a stack.
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
