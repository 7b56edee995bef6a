/**
 * The pages people see: the customer's hosted authorization form under
 * `/authorize/`. Its own middleware and HTML error pages.
 */
import { Hono } from "hono"
import { redactUrl, securityHeaders } from "../shared/security.ts"
import type { Shared } from "../shared/Shared.ts"
import { assets } from "./assets.ts"
import { authorize } from "./authorize.ts"
import { dashboard } from "./dashboard/app.ts"
import { docs } from "./docs.ts"
import { message } from "./layout.ts"

export const web = (shared: Shared) => {
  const app = new Hono()
  app.onError((err, c) => {
    shared.runtime.log(`[error] ${c.req.method} ${redactUrl(c.req.url)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    return c.html(message("Something went wrong", "Please try again in a moment."), 500)
  })
  app.notFound((c) => c.html(message("Page not found", "There is nothing at this address."), 404))
  app.use("*", securityHeaders())
  app.use("*", async (c, next) => {
    await next()
    // Pages embed nothing from elsewhere but the company's logo; no framing (clickjacking of the consent button).
    // Pages that load their own scripts (dashboard, reference) set their own policy.
    if (!c.res.headers.has("Content-Security-Policy")) c.res.headers.set("Content-Security-Policy", "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'")
    c.res.headers.set("X-Frame-Options", "DENY")
  })
  app.route("/authorize", authorize(shared))
  app.route("/assets", assets(shared))
  app.route("/docs", docs(shared))
  app.route("/", dashboard(shared))
  return app
}
