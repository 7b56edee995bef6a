/**
 * The dashboard for integrators and the operator: `/login`, `/logout` and
 * everything under `/dashboard`. Server-rendered, usable without JavaScript
 * (the chart and the copy buttons enhance it); every POST carries the
 * session's CSRF token.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { getCookie, setCookie } from "hono/cookie"
import { html } from "hono/html"
import { readText } from "../../shared/boundedBody.ts"
import * as RequestInfo from "../../shared/RequestInfo.ts"
import type { Shared } from "../../shared/Shared.ts"
import { authorizations } from "./authorizations.ts"
import type { DashEnv } from "./env.ts"
import { bare } from "./layout.ts"
import { manage } from "./manage.ts"
import { webhooks } from "./webhooks.ts"
import { meter } from "./meter.ts"
import * as Sessions from "./session.ts"

const LOGIN_CSRF = "mb_login_csrf"
const MAX_BODY = 64 * 1024

/** Only same-site paths: `next` must not turn the sign-in page into an open redirect. */
const safeNext = (next: string | undefined) =>
  next !== undefined && next.startsWith("/dashboard") && !next.startsWith("//") ? next : "/dashboard"

const readForm = async (c: Context) => Object.fromEntries(new URLSearchParams(await readText(c.req.raw, MAX_BODY))) as Record<string, string>

/** The CSP of the dashboard: scripts and styles from this origin only (the inline stylesheet aside). */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export const dashboard = (shared: Shared) => {
  const sessions = Sessions.make(shared)
  const app = new Hono<DashEnv>()

  app.use("*", async (c, next) => {
    await next()
    c.res.headers.set("Content-Security-Policy", CSP)
    c.res.headers.set("Cache-Control", "no-store")
  })

  const loginPage = (csrf: string, state: { email?: string; alert?: string; next?: string | undefined }) =>
    bare("Sign in", html`<div class="card">
<h1>Sign in to Meterbridge</h1>
${state.alert ? html`<div class="alert" role="alert">${state.alert}</div>` : ""}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="${csrf}">
<input type="hidden" name="next" value="${safeNext(state.next)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ""}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p>
</form>
<p class="muted">No password yet? An operator sets one with <code>pnpm meterbridge users set-password --user &lt;email&gt;</code>.</p>
</div>`)

  const issueLoginCsrf = async (c: Context) => {
    const token = await shared.csrf.issue()
    setCookie(c, LOGIN_CSRF, token, { httpOnly: true, sameSite: "Strict", path: "/login", secure: RequestInfo.of(c.req.raw).secure })
    return token
  }

  app.get("/login", async (c) => {
    if (await sessions.current(c)) return c.redirect(safeNext(c.req.query("next")), 303)
    return c.html(loginPage(await issueLoginCsrf(c), { next: c.req.query("next") }))
  })

  app.post("/login", async (c) => {
    let form: Record<string, string>
    try {
      form = await readForm(c)
    } catch {
      return c.html(loginPage(await issueLoginCsrf(c), { alert: "The form could not be read." }), 413)
    }
    const email = form["email"] ?? ""
    if (!(await shared.csrf.check(getCookie(c, LOGIN_CSRF), form["csrf_token"]))) {
      return c.html(loginPage(await issueLoginCsrf(c), { email, next: form["next"], alert: "Your sign-in form expired. Please try again." }), 403)
    }
    const outcome = await sessions.signIn(c, email, form["password"] ?? "")
    if (outcome === "ok") return c.redirect(safeNext(form["next"]), 303)
    const alert = outcome === "locked"
      ? `Too many failed sign-ins for this email. Try again in ${Sessions.WINDOW_MICROS / 60_000_000} minutes, or ask an operator to set a new password.`
      : "Wrong email or password."
    return c.html(loginPage(await issueLoginCsrf(c), { email, next: form["next"], alert }), outcome === "locked" ? 429 : 401)
  })

  // Everything below needs a session; every POST needs its CSRF token.
  const guard = async (c: Context<DashEnv>, next: () => Promise<void>) => {
    const session = await sessions.current(c)
    if (!session) {
      if (c.req.method !== "GET") return c.text("Sign in first.", 401)
      const url = new URL(c.req.url)
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
    }
    c.set("session", session)
    if (c.req.method === "POST") {
      let form: Record<string, string>
      try {
        form = await readForm(c)
      } catch {
        return c.text("The form is too large.", 413)
      }
      if (!(await sessions.checkCsrf(session, form["csrf_token"]))) return c.text("The form expired: go back, reload the page and try again.", 403)
      c.set("form", form)
    }
    await next()
  }
  app.use("/logout", guard)
  app.use("/dashboard", guard)
  app.use("/dashboard/*", guard)

  app.post("/logout", async (c) => {
    await sessions.signOut(c, c.get("session"))
    return c.redirect("/login", 303)
  })

  app.route("/dashboard", authorizations(shared))
  app.route("/dashboard/meters", meter(shared))
  app.route("/dashboard", manage(shared))
  app.route("/dashboard", webhooks(shared))
  return app
}
