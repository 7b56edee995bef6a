/**
 * The DEMO utility's customer portal, as a Hono app: a small JSON protocol
 * (login → session, services, bills, 15-minute usage in month-sized pages)
 * serving the deterministic dataset. Tests run it on loopback; the API mounts
 * it in-process so the quick start works offline.
 */
import { Hono } from "hono"
import * as Dataset from "./internal/Dataset.ts"

export type Fault = "unavailable" | "rateLimited" | "malformed"

/** The longest usage range one request may ask for, as real portals cap downloads. */
export const MAX_USAGE_SECONDS = 31 * 86_400

export interface SandboxOptions {
  /** The sandbox's clock (epoch seconds): data exists up to it. */
  readonly now?: () => number
}

export interface Sandbox {
  readonly app: Hono
  readonly dataset: typeof Dataset
  readonly faults: { set(fault: Fault | null): void; readonly current: Fault | null }
  /** Requests served, for tests that count calls. */
  readonly requests: { count: number }
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString()

export const USERNAME = "test"
export const PASSWORD = "test"

export const makeSandbox = (options: SandboxOptions = {}): Sandbox => {
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000))
  const sessions = new Set<string>()
  let fault: Fault | null = null
  const requests = { count: 0 }
  const app = new Hono()

  app.use("*", async (c, next) => {
    requests.count++
    if (fault === "unavailable") return c.html("<html><body><h1>503 Service Unavailable</h1></body></html>", 503)
    if (fault === "rateLimited") {
      c.header("Retry-After", "3")
      return c.json({ error: "rate_limited", message: "Too many requests" }, 429)
    }
    if (fault === "malformed") return c.body('{"services": [{"utility_service_id": ', 200, { "content-type": "application/json" })
    await next()
  })

  app.post("/api/login", async (c) => {
    const body = await c.req.json().catch(() => ({})) as { username?: unknown; password?: unknown }
    if (body.username !== USERNAME || body.password !== PASSWORD) {
      return c.json({ error: "invalid_login", message: "Invalid username or password" }, 401)
    }
    const session = crypto.randomUUID()
    sessions.add(session)
    return c.json({ session })
  })

  const authed = new Hono()
  authed.use("*", async (c, next) => {
    const session = c.req.header("authorization")?.replace(/^Bearer /, "")
    if (!session || !sessions.has(session)) return c.json({ error: "session_expired", message: "Please log in" }, 401)
    await next()
  })

  const { services, readings, bills } = Dataset
  const publicDetails = ({ kind: _kind, seed: _seed, ...details }: Dataset.DemoService) => details
  const find = (id: string) => services.find((s) => s.utility_service_id === id)
  const range = (from: string | undefined, to: string | undefined) => {
    const f = Number(from)
    const t = Number(to)
    return Number.isFinite(f) && Number.isFinite(t) && t > f ? { from: f, to: Math.min(t, clock()) } : undefined
  }

  authed.get("/services", (c) => c.json({ services: services.map(publicDetails) }))

  authed.get("/services/:id/bills", (c) => {
    const service = find(c.req.param("id"))
    if (!service) return c.json({ error: "not_found" }, 404)
    const r = range(c.req.query("from"), c.req.query("to"))
    if (!r) return c.json({ error: "bad_range", message: "from and to are epoch seconds, from < to" }, 400)
    return c.json({
      bills: bills(service, r.from, r.to, clock()).map((b) => ({
        start: iso(b.start),
        end: iso(b.end),
        statement_date: iso(b.statementDate),
        total_kwh: b.totalKWh,
        total: b.total,
        line_items: b.lineItems,
        ...(b.tiers ? { tiers: b.tiers } : {}),
        ...(b.timeOfUse ? { time_of_use: b.timeOfUse } : {})
      }))
    })
  })

  authed.get("/services/:id/usage", (c) => {
    const service = find(c.req.param("id"))
    if (!service) return c.json({ error: "not_found" }, 404)
    const r = range(c.req.query("from"), c.req.query("to"))
    if (!r) return c.json({ error: "bad_range", message: "from and to are epoch seconds, from < to" }, 400)
    if (r.to - r.from > MAX_USAGE_SECONDS) return c.json({ error: "range_too_long", message: "At most 31 days per request" }, 400)
    const rows: Array<[number, number]> = []
    for (const x of readings(service, r.from, r.to - Dataset.SLOT_SECONDS + 1)) rows.push([x.start, x.wh])
    return c.json({ interval_seconds: Dataset.SLOT_SECONDS, unit: "Wh", readings: rows })
  })

  app.route("/api", authed)

  return {
    app,
    dataset: Dataset,
    faults: { set: (f) => void (fault = f), get current() { return fault } },
    requests
  }
}
