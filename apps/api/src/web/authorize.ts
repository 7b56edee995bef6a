/**
 * The hosted authorization page a customer opens from a form's URL
 * (`/authorize/<template>?f=<code>`): who is asking, what is shared and until
 * when, a utility picker, that utility's access method, the customer's
 * signature and consent. Works without JavaScript (plain GET and POST forms,
 * Post/Redirect/Get); errors stand next to their field.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { getCookie, setCookie } from "hono/cookie"
import { html } from "hono/html"
import { Effect } from "effect"
import { Collectors, Scope, Store, Timestamp, Workflow } from "@meterbridge/core"
import type { Collector } from "@meterbridge/core"
import { readText } from "../shared/boundedBody.ts"
import * as RequestInfo from "../shared/RequestInfo.ts"
import type { Shared } from "../shared/Shared.ts"
import { run } from "../shared/run.ts"
import { message, page } from "./layout.ts"

const CSRF_COOKIE = "mb_form_csrf"
const MAX_BODY = 64 * 1024

/** What the query of a form URL may carry (UtilityAPI's URL parameters). */
interface Params {
  readonly code: string
  readonly utility: string | undefined
  readonly email: string | undefined
  readonly redirect_uri: string | undefined
  readonly state: string | undefined
  readonly noredirect: boolean
}

const params = (c: Context): Params => ({
  code: c.req.query("f") ?? "",
  utility: c.req.query("utility") || undefined,
  email: c.req.query("email") || undefined,
  redirect_uri: c.req.query("redirect_uri") || undefined,
  state: c.req.query("state") || undefined,
  noredirect: c.req.query("noredirect") === "1"
})

/** The query string that carries `p` on to the next step. */
const carry = (p: Params, utility: string | undefined) => {
  const q = new URLSearchParams({ f: p.code })
  if (utility) q.set("utility", utility)
  if (p.email) q.set("email", p.email)
  if (p.redirect_uri) q.set("redirect_uri", p.redirect_uri)
  if (p.state) q.set("state", p.state)
  if (p.noredirect) q.set("noredirect", "1")
  return `?${q.toString()}`
}

const until = (scopeExpires: string, now: Timestamp.Micros) => {
  if (scopeExpires === Scope.UNTIL_REVOKED) return "until you revoke it"
  const end = Scope.resolveExpires(scopeExpires, now)
  return end === null ? "until you revoke it" : `until ${Timestamp.format(end).slice(0, 10)}`
}

interface View {
  readonly form: Store.FormRecord
  readonly template: Store.TemplateRecord | undefined
  readonly infos: ReadonlyArray<Collector.CollectorInfo>
  /** When the page is drawn, on the runtime's clock: a relative scope ("1 year") ends where the submission will say. */
  readonly now: Timestamp.Micros
}

const companyHeader = (v: View) => {
  const name = v.template?.company_name ?? "A company"
  return html`<header class="company">${v.template?.company_logo ? html`<img src="${v.template.company_logo}" alt="">` : ""}
<div><div class="muted">Authorization request from</div><strong>${name}</strong></div></header>`
}

const whatIsShared = (v: View) =>
  html`<p>${v.template?.company_name ?? "This company"} asks for read-only access to your utility account, ${until(v.form.scope_expires, v.now)}:</p>
<ul class="shares"><li>your meters and service details (address, tariff, meter number)</li><li>your bills with their line items</li><li>your interval (smart meter) usage</li></ul>
${v.template?.description ? html`<p class="muted">${v.template.description}</p>` : ""}
<p class="muted">You can revoke access at any time. The company never sees your utility password.</p>`

const picker = (v: View, p: Params) =>
  page(
    "Choose your utility",
    html`${companyHeader(v)}<h1>Share your utility data</h1>${whatIsShared(v)}
<h2 id="pick">Choose your utility</h2>
<ul class="utilities" aria-labelledby="pick">${v.infos.map((i) => html`<li><a href="${carry(p, i.utility)}">${i.name} <span class="id">(${i.utility})</span></a></li>`)}</ul>`
  )

interface FormState {
  readonly values: Readonly<Record<string, string>>
  readonly errors: Readonly<Record<string, string>>
  readonly alert?: string
}

const field = (name: string, label: string, type: string, help: string, state: FormState, autocomplete = "off") => {
  const error = state.errors[name]
  const value = type === "password" ? "" : state.values[name] ?? ""
  return html`<label for="${name}">${label}<span class="help" id="${name}-help">${help}</span></label>
<input id="${name}" name="${name}" type="${type}" value="${value}" autocomplete="${autocomplete}" aria-describedby="${name}-help${error ? ` ${name}-error` : ""}"${
    error ? html` aria-invalid="true"` : ""
  }>
${error ? html`<p class="error" id="${name}-error">${error}</p>` : ""}`
}

/** Labels and help written for the customer (adapters describe their fields for integrators). */
const LABELS: Readonly<Record<string, readonly [string, string]>> = {
  utility_username: ["Utility username", "The username you sign in to your utility's website with"],
  utility_password: ["Utility password", "Encrypted at once; the company never sees it"],
  esiid: ["ESIID", "The 17 to 22 digit Electric Service Identifier printed on your electricity bill"],
  meter_number: ["Meter number", "Printed on your bill and on the meter"],
  rep: ["Retail electric provider", "The company that sends your electricity bill (name or PUCT certificate number)"],
  email: ["Email address", "Smart Meter Texas emails you a link to confirm the sharing"]
}

/** "Pacific Gas and Electric (PG&E)" → "Pacific Gas and Electric": the name without its parenthetical. */
const shortName = (info: Collector.CollectorInfo) => info.name.replace(/\s*\([^)]*\)\s*$/, "") || info.utility

/**
 * The fields the customer fills: none for a consent utility (one of its
 * option sets is empty: the customer signs in at the utility), else the
 * fullest option set.
 */
export const customerFields = (info: Collector.CollectorInfo): ReadonlyArray<Collector.AccessField> =>
  info.options.some((set) => set.length === 0) ? [] : [...info.options].sort((a, b) => b.length - a.length)[0] ?? []

const accessForm = (v: View, p: Params, info: Collector.CollectorInfo, csrf: string, state: FormState) => {
  const set = customerFields(info)
  const consentFlow = set.length === 0
  const name = shortName(info)
  return page(
    `Authorize ${name}`,
    html`${companyHeader(v)}<h1>Share your ${name} data</h1>${whatIsShared(v)}
${state.alert ? html`<div class="alert" role="alert">${state.alert}</div>` : ""}
<form method="post" action="${carry(p, info.utility)}" novalidate>
<input type="hidden" name="csrf_token" value="${csrf}">
<input type="hidden" name="utility" value="${info.utility}">
${consentFlow ? html`<p>Next, you sign in on ${name}'s own website to approve access, then come back here.</p>` : ""}
${set.map((f) => field(f.name, LABELS[f.name]?.[0] ?? f.name, f.type === "password" || f.name.endsWith("password") ? "password" : f.type, LABELS[f.name]?.[1] ?? f.help, state, f.name === "email" ? "email" : "off"))}
${set.some((f) => f.name === "email") ? "" : field("customer_email", "Your email (optional)", "email", "For your receipt", state, "email")}
${field("signature", "Your full name", "text", "Typing your name signs this authorization", state, "name")}
<label class="consent"><input type="checkbox" name="consent" value="yes"${state.values["consent"] === "yes" ? html` checked` : ""}${
      state.errors["consent"] ? html` aria-invalid="true" aria-describedby="consent-error"` : ""
    }> <span>I authorize ${v.template?.company_name ?? "this company"} to access my ${name} data as described above.</span></label>
${state.errors["consent"] ? html`<p class="error" id="consent-error">${state.errors["consent"]}</p>` : ""}
<div class="actions"><button type="submit" name="action" value="authorize">${consentFlow ? `Continue to ${name}` : "Authorize"}</button>
<button type="submit" name="action" value="decline" class="secondary">Decline</button></div>
</form>
${v.form.utility === null ? html`<p class="muted"><a href="${carry(p, undefined)}">Choose another utility</a></p>` : ""}`
  )
}

export const authorize = (shared: Shared) => {
  const { runtime } = shared
  const app = new Hono()

  /** The form, its template and the utilities, or undefined for an unknown code. */
  const load = (code: string) =>
    run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      const form = code === "" ? undefined : yield* store.findFormByCode(code)
      if (!form || form.is_archived) return undefined
      const template = form.template_uid === null ? undefined : yield* store.getTemplate(form.template_uid)
      const registry = yield* Collectors.Collectors
      const infos = form.utility === null ? registry.all : registry.all.filter((i) => i.utility === form.utility)
      return { form, template, infos, now: Timestamp.fromMillis(runtime.now()) } satisfies View
    }))

  const redirectFor = (v: View, p: Params) => {
    const chosen = Workflow.chooseRedirect(v.template, p.redirect_uri)
    return chosen instanceof Workflow.InvalidInput ? undefined : chosen
  }

  const issueCsrf = async (c: Context) => {
    const token = await shared.csrf.issue()
    setCookie(c, CSRF_COOKIE, token, { httpOnly: true, sameSite: "Lax", path: "/authorize", secure: RequestInfo.of(c.req.raw).secure })
    return token
  }

  const notFoundPage = (c: Context) =>
    c.html(message("Link not found", "This authorization link is unknown or no longer active. Ask the company that sent it for a new one."), 404)
  const badRedirect = (c: Context) =>
    c.html(message("Link not valid", "This link asks to send you to an address the company has not registered. Ask the company for a new link."), 400)

  app.get("/:slug", async (c) => {
    const p = params(c)
    const v = await load(p.code)
    if (!v) return notFoundPage(c)
    if (!redirectFor(v, p)) return badRedirect(c)
    const utility = v.form.utility ?? p.utility
    const info = utility === undefined ? undefined : v.infos.find((i) => i.utility === utility)
    if (!info) return c.html(picker(v, p), utility === undefined ? 200 : 400)
    const values: Record<string, string> = p.email ? { email: p.email, customer_email: p.email } : {}
    return c.html(accessForm(v, p, info, await issueCsrf(c), { values, errors: {} }))
  })

  app.post("/:slug", async (c) => {
    const p = params(c)
    const v = await load(p.code)
    if (!v) return notFoundPage(c)
    const redirect = redirectFor(v, p)
    if (!redirect) return badRedirect(c)
    let text: string
    try {
      text = await readText(c.req.raw, MAX_BODY)
    } catch {
      return c.html(message("Form too large", "The form could not be read. Go back and try again."), 413)
    }
    const values = Object.fromEntries(new URLSearchParams(text)) as Record<string, string>
    const utility = v.form.utility ?? values["utility"] ?? ""
    const info = v.infos.find((i) => i.utility === utility)
    if (!info) return c.html(picker(v, p), 400)
    if (!(await shared.csrf.check(getCookie(c, CSRF_COOKIE), values["csrf_token"]))) {
      return c.html(accessForm(v, p, info, await issueCsrf(c), {
        values,
        errors: {},
        alert: "Your session expired. Please check the form and submit it again."
      }), 403)
    }
    const customerEmail = values["email"] || values["customer_email"] || p.email || null
    const send = (url: string | undefined, extra: Record<string, string | undefined>) => {
      if (url !== undefined && !p.noredirect) return c.redirect(Workflow.withParams(url, { ...extra, state: p.state }), 303)
      return undefined
    }

    if (values["action"] === "decline") {
      const declined = await run(runtime, Workflow.declineForm(v.form, info.utility, customerEmail))
      return send(redirect.uri, { referral: declined.referral ?? undefined, error: "access_denied", error_description: "User declined authorization" }) ??
        c.html(message("No data will be shared", "You declined. Nothing was shared; you can close this window."))
    }

    const errors: Record<string, string> = {}
    const fields = customerFields(info)
    for (const f of fields) if ((values[f.name] ?? "").trim() === "") errors[f.name] = `Enter your ${(LABELS[f.name]?.[0] ?? f.name).toLowerCase()}.`
    const access = fields.length === 0 ? {} : Workflow.accessFor(info, values)
    if (access instanceof Workflow.InvalidInput) errors[access.field] ??= access.message
    if ((values["signature"] ?? "").trim() === "") errors["signature"] = "Type your full name to sign."
    if (values["consent"] !== "yes") errors["consent"] = "Tick the box to give your consent, or choose Decline."
    if (Object.keys(errors).length > 0 || access instanceof Workflow.InvalidInput) {
      return c.html(accessForm(v, p, info, await issueCsrf(c), { values, errors }), 400)
    }

    const outcome = await runtime.runWith(
      Workflow.submitForm({
        form: v.form,
        template: v.template,
        utility: info.utility,
        access,
        signature: values["signature"] ?? "",
        customer_email: customerEmail,
        redirect: p.noredirect ? undefined : redirect.uri,
        state: p.state,
        callbackUrl: `${runtime.config.publicBaseUrl}/api/oauth/callback`
      }),
      (failure) => new SubmitFailed(failure._tag === "Fail" && "message" in failure.error ? String(failure.error.message) : "")
    ).catch((e: unknown) => e instanceof SubmitFailed ? e : Promise.reject(e))
    if (outcome instanceof SubmitFailed) {
      return c.html(accessForm(v, p, info, await issueCsrf(c), {
        values,
        errors: {},
        alert: outcome.message || "Something went wrong. Please try again in a moment."
      }), 400)
    }
    const { account, next } = outcome
    if (next._tag === "Consent") return c.redirect(next.url, 303)
    const waitingForEmail = account.latest?.type === "pending" && account.authorization_ref !== null
    if (waitingForEmail) {
      return c.html(page("Check your email", html`<h1>Check your email</h1>
<p>${shortName(info)} sent a confirmation email${customerEmail ? html` to <strong>${customerEmail}</strong>` : ""}. Open it and click the link to confirm; data sharing starts once you have.</p>
${next.url !== undefined && !p.noredirect ? html`<div class="actions"><a class="button" href="${next.url}">Continue</a></div>` : ""}`))
    }
    return send(next.url, {}) ??
      c.html(message("Thank you", `Your ${shortName(info)} data is now shared with ${v.template?.company_name ?? "the company"}. You can close this window.`))
  })
  return app
}

/** A submission the core refused (bad access fields, registration not live): shown on the form, nothing stored. */
class SubmitFailed extends Error {}

