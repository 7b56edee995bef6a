/**
 * The DEMO utility's customer portal, as a Hono app: a small JSON protocol
 * (login → session, services, bills, 15-minute usage in month-sized pages)
 * serving the deterministic dataset. Tests run it on loopback; the API mounts
 * it in-process so the quick start works offline.
 *
 * Besides `test` / `test`, the login `UAPI_TEST_<scenario>` (any password)
 * plays one of UtilityAPI's test scenarios (see `internal/Scenarios.ts`).
 * The portal is public in test mode, so every answer is bounded: ranges are
 * clamped to the dataset's history, sessions are capped.
 */
import { TestScenario } from "@meterbridge/core"
import { Hono } from "hono"
import type { Context } from "hono"
import { info, isTestUsername, unknownScenario } from "./DemoCollector.ts"
import * as Dataset from "./internal/Dataset.ts"
import * as Scenarios from "./internal/Scenarios.ts"

export type Fault = "unavailable" | "rateLimited" | "malformed"

/** The longest usage range one request may ask for, as real portals cap downloads. */
export const MAX_USAGE_SECONDS = 31 * 86_400

/** The portal keeps this many days of history, exactly what the collector's first collection asks for. */
export const HISTORY_SECONDS = info.historyDays * 86_400

/** Sessions kept at once; a flood of logins drops the oldest instead of growing memory. */
export const MAX_SESSIONS = 10_000

export interface SandboxOptions {
  /** The sandbox's clock (epoch seconds): data exists up to it. */
  readonly now?: () => number
}

export interface Sandbox {
  readonly app: Hono
  readonly dataset: typeof Dataset
  /** What each test scenario's login sees and how the portal answers it. */
  readonly scenarios: typeof Scenarios
  readonly faults: { set(fault: Fault | null): void; readonly current: Fault | null }
  /** Requests served, for tests that count calls. */
  readonly requests: { count: number }
  /** Live sessions, for tests that check the cap. */
  readonly sessions: { readonly size: number }
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString()

export const USERNAME = "test"
export const PASSWORD = "test"

const OUTAGE_PAGE = "<html><body><h1>503 Service Unavailable</h1></body></html>"
const refused = (c: Context, message = "Invalid username or password") => c.json({ error: "invalid_login", message }, 401)
const down = (c: Context) => c.html(OUTAGE_PAGE, 503)
const utilityError = (c: Context) =>
  c.json({ error: "account_error", message: "Your account cannot be accessed online. Please call customer service (code 1062)." }, 400)

/** Answers a non-ok step the way the scenario says; undefined when the step goes on normally. */
const play = (c: Context, answer: Scenarios.Answer) =>
  answer === "refused" ? refused(c) : answer === "down" ? down(c) : answer === "error" ? utilityError(c) : undefined

/** Which login the credentials are, or why the portal refuses them. */
const loginOf = (username: unknown, password: unknown): Scenarios.Play | string => {
  const invalid = "Invalid username or password"
  if (typeof username !== "string" || typeof password !== "string") return invalid
  const scenario = TestScenario.fromUsername(username)
  if (scenario !== undefined) return Scenarios.plays[scenario]
  if (isTestUsername(username)) return unknownScenario(username)
  return username === USERNAME && password === PASSWORD ? Scenarios.testLogin : invalid
}

export const makeSandbox = (options: SandboxOptions = {}): Sandbox => {
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000))
  const sessions = new Map<string, Scenarios.Play>()
  let fault: Fault | null = null
  const requests = { count: 0 }
  const app = new Hono()

  app.use("*", async (c, next) => {
    requests.count++
    if (fault === "unavailable") return down(c)
    if (fault === "rateLimited") {
      c.header("Retry-After", "3")
      return c.json({ error: "rate_limited", message: "Too many requests" }, 429)
    }
    if (fault === "malformed") return c.body('{"services": [{"utility_service_id": ', 200, { "content-type": "application/json" })
    await next()
  })

  app.post("/api/login", async (c) => {
    const body = await c.req.json().catch(() => ({})) as { username?: unknown; password?: unknown }
    const login = loginOf(body.username, body.password)
    if (typeof login === "string") return refused(c, login)
    const answer = play(c, login.login)
    if (answer) return answer
    // Map order is insertion order: the first key is the oldest session.
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!)
    const session = crypto.randomUUID()
    sessions.set(session, login)
    return c.json({ session })
  })

  const authed = new Hono<{ Variables: { login: Scenarios.Play } }>()
  authed.use("*", async (c, next) => {
    const session = c.req.header("authorization")?.replace(/^Bearer /, "")
    const login = session === undefined ? undefined : sessions.get(session)
    if (!login) return c.json({ error: "session_expired", message: "Please log in" }, 401)
    c.set("login", login)
    await next()
  })

  const { readings, bills } = Dataset
  const publicDetails = ({ kind: _kind, seed: _seed, ...details }: Dataset.DemoService) => details
  /**
   * The requested range within the portal's history: a range reaching past it is clamped, so the work of one
   * request never exceeds the history however far apart `from` and `to` are.
   */
  const range = (from: string | undefined, to: string | undefined) => {
    const f = Number(from)
    const t = Number(to)
    if (!Number.isFinite(f) || !Number.isFinite(t) || t <= f) return undefined
    const now = clock()
    return { from: Math.max(f, now - HISTORY_SECONDS), to: Math.min(t, now) }
  }
  const BAD_RANGE = { error: "bad_range", message: "from and to are epoch seconds, from < to" }

  authed.get("/services", (c) => c.json({ services: c.var.login.services.map(publicDetails) }))

  /** The session's service, or the answer that ends the request (unknown service, scenario fault). */
  const serviceOf = (c: Context<{ Variables: { login: Scenarios.Play } }>) => {
    const login = c.var.login
    const service = login.services.find((s) => s.utility_service_id === c.req.param("id"))
    if (!service) return c.json({ error: "not_found" }, 404)
    return play(c, login.data) ?? service
  }

  authed.get("/services/:id/bills", (c) => {
    const service = serviceOf(c)
    if (service instanceof Response) return service
    const r = range(c.req.query("from"), c.req.query("to"))
    if (!r) return c.json(BAD_RANGE, 400)
    if (r.to <= r.from) return c.json({ bills: [] })
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
    const service = serviceOf(c)
    if (service instanceof Response) return service
    const r = range(c.req.query("from"), c.req.query("to"))
    if (!r) return c.json(BAD_RANGE, 400)
    if (r.to - r.from > MAX_USAGE_SECONDS) return c.json({ error: "range_too_long", message: "At most 31 days per request" }, 400)
    const rows: Array<[number, number]> = []
    for (const x of readings(service, r.from, r.to - Dataset.SLOT_SECONDS + 1)) rows.push([x.start, x.wh])
    return c.json({ interval_seconds: Dataset.SLOT_SECONDS, unit: "Wh", readings: rows })
  })

  app.route("/api", authed)

  return {
    app,
    dataset: Dataset,
    scenarios: Scenarios,
    faults: { set: (f) => void (fault = f), get current() { return fault } },
    requests,
    sessions
  }
}
