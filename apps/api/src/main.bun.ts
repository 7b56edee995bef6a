/**
 * `pnpm start:bun`: the same app as `pnpm start`, served by `Bun.serve`, with
 * the Store in SQLite through `bun:sqlite` (or PostgreSQL via `pg`) and the
 * collection worker in the same process. Settings as on Node (README).
 */
import * as Lifecycle from "./server/lifecycle.ts"
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
  const stop = await Lifecycle.start(api, {
    log,
    publicBaseUrl,
    describe: `Bun; store: ${db.describe}`,
    closeListener: () => server.stop(),
    closeStore: () => db.close()
  })
  const exit = (signal: string) => void stop(signal).then(() => process.exit(0))
  process.on("SIGINT", () => exit("SIGINT"))
  process.on("SIGTERM", () => exit("SIGTERM"))
}

main().catch((e: unknown) => {
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
