/**
 * `pnpm start:workers`: the Workers entrypoint in workerd (`wrangler dev`,
 * both from the npm registry) against PostgreSQL at `DATABASE_URL` (default:
 * the local one), with the same secret key as `pnpm start` (./data/secret.key
 * or METERBRIDGE_SECRET_KEY). `wrangler dev` does not fire cron triggers, so
 * this fires `scheduled` every METERBRIDGE_WORKER_POLL_MS (default 2 s).
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { bytesToHex } from "@noble/hashes/utils.js"
import { parseDatabaseUrl } from "../server/databaseUrl.ts"
import * as Settings from "../server/settings.ts"
import { loadSecretKey } from "./secretKey.ts"

const env = process.env
const DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/postgres"

const main = () => {
  const target = parseDatabaseUrl(env["DATABASE_URL"] ?? DEFAULT_URL)
  if (target.kind !== "postgres") throw new Error("the Workers server keeps its Store in PostgreSQL: set DATABASE_URL=postgres://…")
  const port = Settings.intSetting(env, "PORT", 8787, 1, 65535)
  const host = env["HOST"] ?? "127.0.0.1"
  const pollMs = Settings.intSetting(env, "METERBRIDGE_WORKER_POLL_MS", 2_000, 100, 3_600_000)
  const secretKey = loadSecretKey(env, (line) => console.log(line))
  const origin = `http://${host}:${port}`
  const vars: Record<string, string> = {
    ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("METERBRIDGE_") && e[1] !== undefined)),
    METERBRIDGE_SECRET_KEY: bytesToHex(secretKey),
    METERBRIDGE_PUBLIC_URL: env["METERBRIDGE_PUBLIC_URL"] ?? origin
  }
  const config = fileURLToPath(new URL("../../wrangler.toml", import.meta.url))
  const wrangler = fileURLToPath(new URL("../../node_modules/.bin/wrangler", import.meta.url))
  const child = spawn(wrangler, [
    "dev", "--config", config, "--ip", host, "--port", String(port), "--test-scheduled", "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])
  ], {
    stdio: "inherit",
    env: { ...env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: target.url, WRANGLER_SEND_METRICS: "false" }
  })
  // One event at a time: the next fires `pollMs` after the previous one answered.
  let tick: ReturnType<typeof setTimeout> | undefined
  const fire = () => {
    tick = setTimeout(() => {
      fetch(`${origin}/__scheduled?cron=*+*+*+*+*`).then((r) => r.body?.cancel(), () => undefined).finally(fire)
    }, pollMs)
  }
  fire()
  const stop = (signal: NodeJS.Signals) => {
    clearTimeout(tick)
    child.kill(signal)
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
  child.on("exit", (code) => process.exit(code ?? 0))
}

try {
  main()
} catch (e) {
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
}
