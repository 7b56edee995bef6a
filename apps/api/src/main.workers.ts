/**
 * The Cloudflare Workers entrypoint: `fetch` serves the same app as
 * `pnpm start`; `scheduled` (a cron trigger, see wrangler.toml) runs due
 * collection jobs, then due webhook deliveries, within a time budget, since
 * a Worker has no endless loop.
 * Settings and secrets come from bindings: `METERBRIDGE_SECRET_KEY`
 * (required), the database as the `HYPERDRIVE` binding (or a
 * `DATABASE_URL` variable), and every other setting as on Node, read by the
 * same reader (server/settings.ts) from the string bindings.
 */
import { Vault } from "@meterbridge/core"
import * as Server from "./server/Server.ts"
import * as Settings from "./server/settings.ts"
import { readiness } from "./server/readiness.ts"
import { cloudflareClient } from "./workers/client.ts"
import { openStore } from "./workers/openStore.ts"
import { workersPasswords } from "./workers/passwords.ts"

export interface Env {
  readonly HYPERDRIVE?: { readonly connectionString: string }
  readonly DATABASE_URL?: string
  readonly METERBRIDGE_SECRET_KEY?: string
  readonly [name: string]: unknown
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void
}

/** Bindings that are strings: the settings (objects are bindings to services). */
const settingsOf = (env: Env): Settings.Env =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"))

const log = (line: string) => console.log(line)

let draining = false

/** One server per isolate, built on its first event (the public URL may come from that request). */
let server: Promise<Server.Server> | undefined

const start = async (env: Env, origin: string | undefined): Promise<Server.Server> => {
  const connectionString = env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL
  if (!connectionString) throw new Error("bind HYPERDRIVE (or set DATABASE_URL) to the PostgreSQL database")
  const secretKey = env.METERBRIDGE_SECRET_KEY === undefined ? undefined : Vault.decodeKey(env.METERBRIDGE_SECRET_KEY)
  if (!secretKey) throw new Error("set the secret METERBRIDGE_SECRET_KEY to 32 bytes (64 hex characters or base64)")
  const vars = settingsOf(env)
  const settings = Settings.read(vars)
  const db = openStore(connectionString)
  await db.migrate()
  const publicBaseUrl = settings.publicUrl ?? origin ?? "http://127.0.0.1:8787"
  const api = await Server.make({
    store: db.store,
    secretKey,
    passwords: workersPasswords,
    publicBaseUrl,
    settings,
    env: vars,
    log,
    client: cloudflareClient(settings.trustedProxies),
    // No collection worker to wait for: `scheduled` runs the jobs.
    ready: readiness(db.ops, false)
  })
  const first = await api.bootstrap()
  if (first) log(`Empty database: created the user ${first.email}.${first.generated ? ` Its API token (shown once): ${first.secret}` : ""}`)
  log(Server.describeMode(settings.testMode, api.utilities))
  log(`Meterbridge API on ${publicBaseUrl}/api (Workers; store: ${db.describe}; utilities: ${api.utilities.join(", ")})`)
  return api
}

const serverFor = (env: Env, origin?: string): Promise<Server.Server> => {
  // A failed start is not kept: the next event tries again (the database may have been down).
  server ??= start(env, origin).catch((e: unknown) => {
    server = undefined
    throw e
  })
  return server
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    let api: Server.Server
    try {
      api = await serverFor(env, new URL(request.url).origin)
    } catch (e) {
      log(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
      return Response.json({ error: "unavailable", message: "The server is not configured or its database is unreachable." }, { status: 503 })
    }
    const response = await api.app.fetch(request)
    // Request counts are written in batches; the batch due now must finish after the response.
    ctx.waitUntil(api.flush())
    return response
  },

  async scheduled(_controller: unknown, env: Env, _ctx: ExecutionContext): Promise<void> {
    // Events that arrive while this isolate drains would only pile up connections beside it: they skip.
    if (draining) return
    draining = true
    try {
      const started = Date.now()
      const api = await serverFor(env)
      const budgetMs = api.settings.drainBudgetMs
      const ran = await api.drainFor(budgetMs)
      if (ran > 0) log(`scheduled: ${ran} collection job(s) run`)
      // Then the webhook events due (those the jobs just wrote included), in what is left of the budget (at least a second).
      const sent = await api.deliverFor(Math.max(1_000, budgetMs - (Date.now() - started)))
      if (sent > 0) log(`scheduled: ${sent} webhook delivery attempt(s)`)
    } finally {
      draining = false
    }
  }
} satisfies { fetch: unknown; scheduled: unknown }

