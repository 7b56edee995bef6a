/**
 * The v2 surface under `/api/v2`, following UtilityAPI v2's paths and objects
 * so an existing v2 client works unchanged: templates, forms (with
 * test-submit), authorizations, meters, bills, intervals and CSV files.
 * Bearer tokens (and v1's token forms); errors as `{"error", "error_description"}`.
 */
import { Hono } from "hono"
import { Store } from "@meterbridge/core"
import { authenticate } from "../shared/auth.ts"
import { HttpError, internal } from "../shared/HttpError.ts"
import { redactUrl, requestLog, securityHeaders } from "../shared/security.ts"
import type { Shared } from "../shared/Shared.ts"
import type { Deps, V2Env } from "./Deps.ts"
import { errorResponse, toV2Error } from "./errors.ts"
import { authorizations } from "./routes/authorizations.ts"
import { billing } from "./routes/billing.ts"
import { events } from "./routes/events.ts"
import { webhooks } from "./routes/webhooks.ts"
import { data } from "./routes/data.ts"
import { forms } from "./routes/forms.ts"
import { imports } from "./routes/imports.ts"
import { meters } from "./routes/meters.ts"
import { templates } from "./routes/templates.ts"

export const v2 = (shared: Shared, options: { readonly logRequests?: boolean } = {}) => {
  const { runtime } = shared
  const toError = toV2Error(runtime.log)
  const run: Deps["run"] = (effect) => runtime.runWith(effect, toError)
  // Every v2 object names its user's email: like tokens (TokenCache.ts), kept for a second, so a burst of reads costs no user query.
  const emails = new Map<string, { readonly email: string; readonly until: number }>()
  const deps: Deps = {
    shared,
    runtime,
    run,
    context: async (c) => {
      const userUid = c.get("userUid")
      const now = runtime.now()
      let email = emails.get(userUid)
      if (email === undefined || email.until <= now) {
        const user = await run(Store.Store.use((s) => s.getUser(userUid)))
        if (emails.size >= 10_000) emails.clear()
        email = { email: user?.email ?? "", until: now + 1_000 }
        emails.set(userUid, email)
      }
      return { base: runtime.config.publicBaseUrl, userEmail: email.email, now: now * 1000 }
    }
  }
  const app = new Hono<V2Env>().basePath("/api/v2")
  app.onError((err, c) => {
    if (!(err instanceof HttpError)) {
      runtime.log(`[error] ${c.req.method} ${redactUrl(c.req.url)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    }
    return errorResponse(err instanceof HttpError ? err : internal())
  })
  app.notFound((c) => errorResponse(new HttpError(404, "not_found", `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}.`)))

  if (options.logRequests) app.use("*", requestLog(runtime.log, runtime.now))
  app.use("*", securityHeaders())
  app.use("*", authenticate(shared))
  app.route("/templates", templates(deps))
  app.route("/forms", forms(deps))
  app.route("/authorizations", authorizations(deps))
  app.route("/meters", meters(deps))
  app.route("/events", events(deps))
  app.route("/webhooks", webhooks(deps))
  app.route("/billing", billing(deps))
  app.route("/imports", imports(deps))
  app.route("/", data(deps))
  return app
}
