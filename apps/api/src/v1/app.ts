/**
 * The v1 surface under `/api`: UtilityAPI v1's endpoints, `.json`/`.csv`
 * suffixes (stripped by this app's router only, so other surfaces' paths are
 * never rewritten), and v1's error format `{"error", "message", "field"?}`.
 */
import { Hono } from "hono"
import { authenticate } from "../shared/auth.ts"
import { HttpError, internal } from "../shared/HttpError.ts"
import { redactUrl, requestLog, securityHeaders } from "../shared/security.ts"
import type { Shared } from "../shared/Shared.ts"
import type { AppEnv } from "./AppEnv.ts"
import type { Deps } from "./Deps.ts"
import { toV1Error } from "./errors.ts"
import { format, routedPath } from "./format.ts"
import { accounts } from "./routes/accounts.ts"
import { docs } from "./routes/docs.ts"
import { oauth } from "./routes/oauth.ts"
import { registrations } from "./routes/registrations.ts"
import { openapi } from "../openapi/route.ts"
import { services } from "./routes/services.ts"
import { tokens } from "./routes/tokens.ts"
import { signup, users } from "./routes/users.ts"

/** Writes an error in v1's format. */
export const errorResponse = (e: HttpError): Response => {
  const res = new Response(JSON.stringify(e.body), { status: e.status, headers: { "Content-Type": "application/json; charset=utf-8" } })
  for (const [k, v] of Object.entries(e.headers)) res.headers.set(k, v)
  res.headers.set("Cache-Control", "no-store")
  res.headers.set("Referrer-Policy", "no-referrer")
  return res
}

export const v1 = (shared: Shared, options: { readonly logRequests?: boolean } = {}) => {
  const { runtime } = shared
  const toError = toV1Error(runtime.log)
  const deps: Deps = {
    ...shared,
    api: { ...runtime, run: (effect) => runtime.runWith(effect, toError) }
  }
  const app = new Hono<AppEnv>({ getPath: routedPath }).basePath("/api")

  app.onError((err, c) => {
    if (!(err instanceof HttpError)) {
      runtime.log(`[error] ${c.req.method} ${redactUrl(c.req.url)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    }
    return errorResponse(err instanceof HttpError ? err : internal())
  })
  app.notFound((c) =>
    errorResponse(new HttpError(404, "not_found", `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}. GET /api/docs lists them.`))
  )

  if (options.logRequests) app.use("*", requestLog(runtime.log, runtime.now))
  app.use("*", securityHeaders())

  // Public: the docs, sign-up (CSRF instead of a token) and the customer's OAuth return.
  app.route("/oauth", oauth(deps))
  app.route("/openapi", openapi(runtime.config.publicBaseUrl))
  app.use("*", format())
  app.route("/docs", docs())
  app.route("/users/new", signup(deps))

  app.use("*", authenticate(shared))
  app.route("/accounts", accounts(deps))
  app.route("/services", services(deps))
  app.route("/users", users(deps))
  app.route("/tokens", tokens(deps))
  app.route("/registrations", registrations(deps))
  return app
}
