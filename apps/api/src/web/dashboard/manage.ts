/**
 * The dashboard's management pages: requesting data from a customer (forms
 * and their links), API tokens, utility registrations, and the operator's
 * users, invites and job queue.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { html } from "hono/html"
import { Effect } from "effect"
import { Collectors, Store, Timestamp, Workflow } from "@meterbridge/core"
import * as Invites from "../../shared/Invites.ts"
import { run } from "../../shared/run.ts"
import type { Shared } from "../../shared/Shared.ts"
import * as Tokens from "../../shared/Tokens.ts"
import { formUrl } from "../../v2/encode.ts"
import { message } from "../layout.ts"
import type { DashEnv } from "./env.ts"
import { shell } from "./layout.ts"
import { accountStatus, badge, csrfField, testBadge, when } from "./view.ts"

const TOKEN_TYPES = ["api", "widget", "admin"] as const

/** `<input type=date>`'s value as the end of that UTC day, or undefined. */
const endOfDay = (value: string | undefined) => {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined
  return Timestamp.parse(`${value}T23:59:59Z`)
}

export const manage = (shared: Shared) => {
  const { runtime } = shared
  const app = new Hono<DashEnv>()
  const now = () => Timestamp.fromMillis(runtime.now())

  // ---- Request data -------------------------------------------------------
  const requestPage = async (c: Context<DashEnv>, notice?: { url?: string; alert?: string }) => {
    const session = c.get("session")
    const { forms, accounts, utilities } = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      const registry = yield* Collectors.Collectors
      return {
        forms: yield* store.listForms(session.user.uid),
        accounts: yield* store.listAccounts(session.user.uid),
        utilities: registry.all
      }
    }))
    const base = runtime.config.publicBaseUrl
    const from = (formUid: string) => accounts.filter((a) => a.form_uid === formUid)
    return c.html(shell(session, "Request data", "/dashboard/request", html`
${notice?.alert ? html`<div class="alert" role="alert">${notice.alert}</div>` : ""}
${
      notice?.url
        ? html`<div class="notice" role="status"><p><strong>New customer link.</strong> Send it to your customer:</p>
<p><label for="new-link">Link</label><input id="new-link" class="copy" type="text" readonly value="${notice.url}"> <button type="button" class="secondary" data-copy="new-link">Copy</button></p></div>`
        : ""
    }
<div class="card">
<h2 id="new-form" style="margin-top:0">Create a customer link</h2>
<form method="post" action="/dashboard/request" aria-labelledby="new-form">
${csrfField(session.csrf)}
<div class="filters">
<div><label for="utility">Utility</label><select id="utility" name="utility"><option value="">Customer chooses</option>${utilities.map((u) => html`<option value="${u.utility}">${u.name}</option>`)}</select></div>
<div><label for="customer_email">Customer email (optional)</label><input id="customer_email" name="customer_email" type="email"></div>
<div><label for="expires">Access lasts</label><select id="expires" name="expires"><option value="1y">1 year</option><option value="3y" selected>3 years</option><option value="until_revoked">Until revoked</option></select></div>
<div><button type="submit">Create link</button></div>
</div>
</form></div>
<div class="table-wrap"><table>
<caption>Your customer links, newest first, and who authorized through each</caption>
<thead><tr><th scope="col">Link</th><th scope="col">Utility</th><th scope="col">Created</th><th scope="col">Authorized by</th></tr></thead>
<tbody>${
      forms.length === 0
        ? html`<tr><td colspan="4" class="muted">No links yet.</td></tr>`
        : [...forms].reverse().map((f) => {
          const url = formUrl(base, f)
          const who = from(f.uid)
          return html`<tr><td><input id="link-${f.uid}" class="copy" type="text" readonly value="${url}" aria-label="Link of form ${f.uid}"> <button type="button" class="secondary" data-copy="link-${f.uid}">Copy</button>${
            f.is_archived ? html` <span class="badge">archived</span>` : ""
          }</td>
<td>${f.utility ?? "any"}</td><td>${when(f.created)}</td>
<td>${
            who.length === 0
              ? html`<span class="muted">nobody yet</span>`
              : html`<ul>${who.map((a) => html`<li><a href="/dashboard/authorizations/${a.uid}">${a.customer_email ?? a.uid}</a> ${badge(accountStatus(a))}${testBadge(a.is_test)}</li>`)}</ul>`
          }</td></tr>`
        })
    }</tbody></table></div>`, html`<script defer src="/assets/dashboard.js"></script>`))
  }

  app.get("/request", (c) => requestPage(c))
  app.post("/request", async (c) => {
    const form = c.get("form")
    const created = await runtime.runWith(
      Workflow.createForm(c.get("session").user.uid, {
        utility: form["utility"] || null,
        customer_email: form["customer_email"] || null,
        scope: { expires: form["expires"] || "3y" }
      }),
      (failure) => new Refused(failure._tag === "Fail" && "message" in failure.error ? String(failure.error.message) : "Something went wrong.")
    ).catch((e: unknown) => (e instanceof Refused ? e : Promise.reject(e)))
    if (created instanceof Refused) return requestPage(c, { alert: created.message })
    return requestPage(c, { url: formUrl(runtime.config.publicBaseUrl, created) })
  })

  // ---- API tokens ---------------------------------------------------------
  const tokensPage = async (c: Context<DashEnv>, notice?: { secret?: string; text?: string }) => {
    const session = c.get("session")
    const tokens = await run(runtime, Store.Store.use((s) => s.listTokens(session.user.uid)))
    const t = now()
    const active = (k: Store.TokenRecord) => k.expires === null || k.expires > t
    return c.html(shell(session, "API tokens", "/dashboard/tokens", html`
${
      notice?.secret
        ? html`<div class="notice" role="status"><p><strong>New API token.</strong> Copy it now: it is shown this once.</p>
<p><label for="new-secret">Token</label><input id="new-secret" class="copy" type="text" readonly value="${notice.secret}"> <button type="button" class="secondary" data-copy="new-secret">Copy</button></p>
<p class="muted">Use it as <code>Authorization: Bearer &lt;token&gt;</code>; see the <a href="/docs">API reference</a>.</p></div>`
        : notice?.text
        ? html`<div class="notice" role="status">${notice.text}</div>`
        : ""
    }
<div class="card"><h2 id="new-token" style="margin-top:0">Create a token</h2>
<form method="post" action="/dashboard/tokens" aria-labelledby="new-token">${csrfField(session.csrf)}
<div class="filters">
<div><label for="type">Type</label><select id="type" name="type">${TOKEN_TYPES.map((k) => html`<option value="${k}">${k}</option>`)}</select></div>
<div><label for="expires">Expires (optional, end of day UTC)</label><input id="expires" name="expires" type="date"></div>
<div><button type="submit">Create token</button></div>
</div></form></div>
<div class="table-wrap"><table>
<caption>Your tokens (browser tokens are dashboard sessions)</caption>
<thead><tr><th scope="col">Token</th><th scope="col">Type</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col" class="num">Requests</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${
      [...tokens].reverse().map((k) =>
        html`<tr><td>${k.uid}${k.uid === session.token.uid ? html` <span class="badge">this session</span>` : ""}</td><td>${k.type}</td><td>${when(k.created)}</td><td>${when(k.expires)}</td>
<td class="num">${k.request_count}</td><td>${active(k) ? badge("active") : badge("expired")}</td>
<td>${
          active(k) && k.uid !== session.token.uid
            ? html`<form method="post" action="/dashboard/tokens/${k.uid}/expire">${csrfField(session.csrf)}<button type="submit" class="danger" aria-label="Expire token ${k.uid}">Expire</button></form>`
            : ""
        }</td></tr>`
      )
    }</tbody></table></div>`, html`<script defer src="/assets/dashboard.js"></script>`))
  }

  app.get("/tokens", (c) => tokensPage(c))
  app.post("/tokens", async (c) => {
    const form = c.get("form")
    const type = TOKEN_TYPES.find((k) => k === form["type"]) ?? "api"
    const expires = endOfDay(form["expires"]) ?? null
    const { secret } = await run(runtime, Tokens.create(c.get("session").user.uid, { type, expires, now: now() }))
    return tokensPage(c, { secret })
  })
  app.post("/tokens/:uid/expire", async (c) => {
    const uid = c.req.param("uid")
    const token = await run(runtime, Store.Store.use((s) => s.getToken(uid)))
    if (!token || token.user_uid !== c.get("session").user.uid) return c.html(message("Not found", "No token of yours has that uid."), 404)
    await run(runtime, Store.Store.use((s) => s.updateTokenExpiry(uid, now())))
    runtime.tokens.forget(uid)
    return tokensPage(c, { text: `Token ${uid} expired.` })
  })

  // ---- Registrations -------------------------------------------------------
  app.get("/registrations", async (c) => {
    const session = c.get("session")
    const regs = await run(runtime, Store.Store.use((s) => s.listRegistrations(session.user.uid)))
    return c.html(shell(session, "Registrations", "/dashboard/registrations", html`
<p>Some utilities (Smart Meter Texas) only share data with registered third parties. An operator records a registration with
<code>pnpm meterbridge registrations set --user &lt;email&gt; --utility SMT --status live</code>.</p>
<div class="table-wrap"><table><caption>Your registrations with utilities</caption>
<thead><tr><th scope="col">Utility</th><th scope="col">Status</th></tr></thead>
<tbody>${
      regs.length === 0
        ? html`<tr><td colspan="2" class="muted">None.</td></tr>`
        : regs.map((r) => html`<tr><td>${r.utility}</td><td>${badge(r.status === "live" ? "updated" : "pending")} ${r.status}</td></tr>`)
    }</tbody></table></div>`))
  })

  // ---- Operator --------------------------------------------------------------
  const operatorPage = async (c: Context<DashEnv>, code?: string) => {
    const session = c.get("session")
    if (!session.isOperator) return c.html(message("Operators only", "This page is for the server's operators."), 403)
    const { users, jobs } = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      return { users: yield* store.listUsers, jobs: yield* store.listJobs }
    }))
    const t = now()
    return c.html(shell(session, "Operator", "/dashboard/operator", html`
${
      code
        ? html`<div class="notice" role="status"><p><strong>New invite code</strong> (single use, shown once). The invitee signs up with <code>POST /api/users/new</code>:</p>
<p><label for="invite">Invite code</label><input id="invite" class="copy" type="text" readonly value="${code}"> <button type="button" class="secondary" data-copy="invite">Copy</button></p></div>`
        : ""
    }
<h2 id="users">Users</h2>
<div class="table-wrap"><table><caption>${users.length} users</caption>
<thead><tr><th scope="col">Email</th><th scope="col">Uid</th><th scope="col">Created</th><th scope="col">Dashboard sign-in</th></tr></thead>
<tbody>${users.map((u) => html`<tr><td>${u.email}</td><td>${u.uid}</td><td>${when(u.created)}</td><td>${u.password_hash === null ? "no password" : "yes"}</td></tr>`)}</tbody></table></div>
<h2 id="invites">Invites</h2>
<form method="post" action="/dashboard/operator/invites">${csrfField(session.csrf)}
<div class="filters"><div><label for="invite-expires">Expires (optional)</label><input id="invite-expires" name="expires" type="date"></div><div><button type="submit">Create invite</button></div></div></form>
<h2 id="jobs">Jobs in the queue</h2>
<div class="table-wrap"><table><caption>${jobs.length} jobs</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Runs at</th><th scope="col" class="num">Attempts</th><th scope="col">State</th></tr></thead>
<tbody>${
      jobs.length === 0
        ? html`<tr><td colspan="6" class="muted">The queue is empty.</td></tr>`
        : jobs.map((j) =>
          html`<tr><td>${j.id}</td><td>${j.kind}</td><td>${j.target_uid}</td><td>${when(j.run_at)}</td><td class="num">${j.attempts}</td><td>${
            j.locked_until !== null && j.locked_until > t ? badge("running") : j.run_at <= t ? badge("due") : badge("waiting")
          }</td></tr>`
        )
    }</tbody></table></div>`, html`<script defer src="/assets/dashboard.js"></script>`))
  }
  app.get("/operator", (c) => operatorPage(c))
  app.post("/operator/invites", async (c) => {
    if (!c.get("session").isOperator) return c.html(message("Operators only", "This page is for the server's operators."), 403)
    const code = Invites.generate()
    const codeHash = await Invites.hash(code)
    await run(runtime, Store.Store.use((s) => s.createInvite(codeHash, now(), endOfDay(c.get("form")["expires"]) ?? null)))
    return operatorPage(c, code)
  })
  return app
}

/** A form the core refused (bad utility, bad scope): shown on the page. */
class Refused extends Error {}
