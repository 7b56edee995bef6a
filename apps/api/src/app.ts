/**
 * The Hono app: the v1 surface under `/api`, sandboxes of test-mode utilities
 * under `/sandbox/<slug>`. No `listen`, no environment: `main.node.ts` and the
 * tests hand in an `ApiRuntime`.
 */
import { Hono } from "hono"
import { getPath } from "hono/utils/url"
import * as Api from "./Runtime.ts"
import { ApiError, internal } from "./shared/HttpError.ts"
import type { AppEnv } from "./v1/AppEnv.ts"
import * as ConfirmationCode from "./shared/ConfirmationCode.ts"
import * as Csrf from "./shared/Csrf.ts"
import type { Deps } from "./v1/Deps.ts"
import { authenticate } from "./shared/auth.ts"
import { format, stripFormatSuffix } from "./v1/format.ts"
import * as RateLimit from "./shared/rateLimit.ts"
import { redactUrl, requestLog, securityHeaders } from "./shared/security.ts"
import * as RequestCounter from "./shared/RequestCounter.ts"
import { accounts } from "./v1/routes/accounts.ts"
import { docs } from "./v1/routes/docs.ts"
import { oauth } from "./v1/routes/oauth.ts"
import { registrations } from "./v1/routes/registrations.ts"
import { services } from "./v1/routes/services.ts"
import { tokens } from "./v1/routes/tokens.ts"
import { signup, users } from "./v1/routes/users.ts"

export interface AppOptions {
  /** Sub-apps to mount beside the API, e.g. in-process utility sandboxes: `{ "/sandbox/demo": app }`. */
  readonly mounts?: Readonly<Record<string, { fetch: (request: Request) => Response | Promise<Response> }>>
  /** Log every request (method, redacted URL, status, time). */
  readonly logRequests?: boolean
}

export interface App {
  readonly app: Hono<AppEnv>
  /** Writes pending token request counts; call before shutdown. */
  readonly flush: () => Promise<void>
}

const hmacSubkey = (key: Uint8Array, label: string): Uint8Array => {
  // Distinct keys per purpose from one secret, so a CSRF token can never pass as a confirmation code.
  const out = new Uint8Array(key.length + label.length)
  out.set(key)
  out.set(new TextEncoder().encode(label), key.length)
  return out
}

export const createApp = (runtime: Api.ApiRuntime, options: AppOptions = {}): App => {
  const api = Api.make(runtime)
  const counter = RequestCounter.make(api)
  const deps: Deps = {
    api,
    codes: ConfirmationCode.make(hmacSubkey(runtime.config.signingKey, "confirmation-code")),
    codeFailures: RateLimit.make(5, api.now, 10 * 60_000),
    csrf: Csrf.make(hmacSubkey(runtime.config.signingKey, "csrf")),
    counter
  }
  const limiter = RateLimit.make(runtime.config.rateLimit, api.now)

  const app = new Hono<AppEnv>({ getPath: (req) => stripFormatSuffix(getPath(req)) })

  app.onError((err, c) => {
    const e = err instanceof ApiError ? err : undefined
    if (!e) api.log(`[error] ${c.req.method} ${redactUrl(c.req.url)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    const out = e ?? internal()
    const res = c.json(out.body, out.status)
    for (const [k, v] of Object.entries(out.headers)) res.headers.set(k, v)
    res.headers.set("Cache-Control", "no-store")
    res.headers.set("Referrer-Policy", "no-referrer")
    return res
  })
  app.notFound((c) => {
    const res = c.json(
      { error: "not_found", message: `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}. GET /api/docs lists them.` },
      404
    )
    res.headers.set("Cache-Control", "no-store")
    return res
  })

  if (options.logRequests) app.use("/api/*", requestLog(api.log, api.now))
  app.use("/api/*", securityHeaders())

  // Public: the docs, sign-up (CSRF instead of a token) and the customer's OAuth return.
  app.route("/api/oauth", oauth(deps))
  app.use("/api/*", format())
  app.route("/api/docs", docs())
  app.route("/api/users/new", signup(deps))

  app.use("/api/*", authenticate(api, limiter, counter))
  app.route("/api/accounts", accounts(deps))
  app.route("/api/services", services(deps))
  app.route("/api/users", users(deps))
  app.route("/api/tokens", tokens(deps))
  app.route("/api/registrations", registrations(deps))

  for (const [prefix, sub] of Object.entries(options.mounts ?? {})) {
    app.all(`${prefix}/*`, (c) => {
      const url = new URL(c.req.url)
      url.pathname = url.pathname.slice(prefix.length) || "/"
      return sub.fetch(new Request(url, c.req.raw))
    })
  }

  return { app, flush: counter.flush }
}
