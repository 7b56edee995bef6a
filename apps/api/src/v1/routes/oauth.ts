/**
 * `GET /api/oauth/callback`: where a utility's consent page (Green Button
 * Connect) sends the customer's browser back. No API token: the `state`
 * finds the pending account. Answers a small HTML page.
 */
import { Hono } from "hono"
import { html } from "hono/html"
import { Effect } from "effect"
import { Collection, Workflow } from "@meterbridge/core"
import { HttpError } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"
import type { Deps } from "../Deps.ts"

const page = (title: string, message: string) =>
  html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Meterbridge</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body><h1>${title}</h1><p>${message}</p></body></html>`

export const oauth = ({ api }: Deps) => {
  const app = new Hono<AppEnv>()
  app.get("/callback", async (c) => {
    const query = c.req.query()
    const state = query["state"]
    if (!state) return c.html(page("Authorization link incomplete", "This link has no state parameter. Start again from the application that sent you."), 400)
    // A consent started from a hosted form sends the customer back to the integrator, with the referral.
    const returnTo = await api.run(Effect.gen(function*() {
      const account = yield* Collection.pendingConsent(state)
      return account && account.form_uid !== null ? yield* Collection.customerReturnUrl(account) : undefined
    })).catch(() => undefined)
    if (returnTo !== undefined) {
      const outcome = await api.run(Collection.completeAuthorization(state, query)).then((a) => a, () => undefined)
      const failed = outcome === undefined || outcome.latest?.type === "error"
      return c.redirect(
        failed
          ? Workflow.withParams(returnTo, { error: "access_denied", error_description: query["error_description"] ?? "The customer did not authorize access." })
          : returnTo,
        303
      )
    }
    if (query["error"] && !query["code"]) {
      // Let the adapter record the refusal on the account too (it maps `error` to AuthorizationDenied).
      await api.run(Collection.completeAuthorization(state, query)).catch(() => undefined)
      return c.html(page("Access not granted", "You declined to share your utility data. You can close this window."), 200)
    }
    try {
      const account = await api.run(Collection.completeAuthorization(state, query))
      const failed = account.latest?.type === "error"
      return c.html(
        failed
          ? page("Authorization failed", `The utility did not confirm access: ${account.latest?.message ?? "unknown error"}. You can close this window.`)
          : page("Thank you", `Access to your ${account.utility} account is authorized; your data is being collected. You can close this window.`),
        failed ? 400 : 200
      )
    } catch (e) {
      const status = e instanceof HttpError && e.status < 500 ? e.status : 500
      const message = e instanceof HttpError && e.status === 404
        ? "This authorization link is unknown or was already used."
        : e instanceof HttpError ? e.message : "Something went wrong."
      return c.html(page("Authorization not completed", message), status as 400)
    }
  })
  return app
}
