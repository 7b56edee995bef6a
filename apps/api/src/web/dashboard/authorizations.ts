/** The authorizations (accounts) and their meters, with filters; one authorization's page. */
import { Hono } from "hono"
import { html } from "hono/html"
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import { run } from "../../shared/run.ts"
import type { Shared } from "../../shared/Shared.ts"
import { message } from "../layout.ts"
import type { DashEnv } from "./env.ts"
import { shell } from "./layout.ts"
import { accountStatus, badge, coverage, testBadge, when } from "./view.ts"

const STATUSES = ["pending", "updated", "error", "declined", "revoked"] as const

const meterRows = (services: ReadonlyArray<Store.ServiceWithFigures>) =>
  html`<div class="table-wrap"><table>
<caption>Meters</caption>
<thead><tr><th scope="col">Meter</th><th scope="col">Utility</th><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Latest message</th><th scope="col">Interval coverage</th><th scope="col" class="num">Intervals</th><th scope="col" class="num">Bills</th></tr></thead>
<tbody>${
    services.length === 0
      ? html`<tr><td colspan="8" class="muted">No meters yet.</td></tr>`
      : services.map((s) =>
        html`<tr><td><a href="/dashboard/meters/${s.uid}">${s.utility_meter_number ?? s.utility_service_id}</a><div class="muted">${s.uid}</div></td>
<td>${s.utility}</td><td>${s.utility_service_address ?? ""}</td><td>${badge(s.latest?.type ?? "pending")}${s.is_archived ? html` <span class="badge">archived</span>` : ""}</td>
<td>${s.latest?.message ?? ""}</td><td>${coverage(s.interval_coverage)}</td><td class="num">${s.interval_count.toLocaleString("en-US")}</td><td class="num">${s.bill_count}</td></tr>`
      )
  }</tbody></table></div>`

export const authorizations = (shared: Shared) => {
  const { runtime } = shared
  const app = new Hono<DashEnv>()

  app.get("/", async (c) => {
    const session = c.get("session")
    const { accounts, services } = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      return { accounts: yield* store.listAccounts(session.user.uid), services: yield* store.listServices(session.user.uid) }
    }))
    const f = { utility: c.req.query("utility") ?? "", status: c.req.query("status") ?? "", mode: c.req.query("mode") ?? "", q: (c.req.query("q") ?? "").trim().toLowerCase() }
    const shown = accounts.filter((a) =>
      (f.utility === "" || a.utility === f.utility) &&
      (f.status === "" || accountStatus(a) === f.status) &&
      (f.mode === "" || (f.mode === "test") === a.is_test) &&
      (f.q === "" || [a.uid, a.customer_email, a.nickname, a.auth].some((v) => v?.toLowerCase().includes(f.q)))
    ).reverse()
    const meterCount = new Map<string, number>()
    for (const s of services) meterCount.set(s.account_uid, (meterCount.get(s.account_uid) ?? 0) + 1)
    const utilities = [...new Set(accounts.map((a) => a.utility))].sort()
    const shownUids = new Set(shown.map((a) => a.uid))
    const option = (value: string, label: string, current: string) => html`<option value="${value}"${value === current ? html` selected` : ""}>${label}</option>`
    return c.html(shell(session, "Authorizations", "/dashboard", html`
<dl class="stats">
<div><dt>Authorizations</dt><dd>${accounts.length}</dd></div>
<div><dt>Meters</dt><dd>${services.length}</dd></div>
<div><dt>Collecting fine</dt><dd>${accounts.filter((a) => accountStatus(a) === "updated").length}</dd></div>
<div><dt>With errors</dt><dd>${accounts.filter((a) => accountStatus(a) === "error").length}</dd></div>
</dl>
<form class="filters" method="get" action="/dashboard" role="search" aria-label="Filter authorizations">
<div><label for="f-q">Search</label><input id="f-q" type="text" name="q" value="${c.req.query("q") ?? ""}" placeholder="uid, email, nickname"></div>
<div><label for="f-utility">Utility</label><select id="f-utility" name="utility">${option("", "Any", f.utility)}${utilities.map((u) => option(u, u, f.utility))}</select></div>
<div><label for="f-status">Status</label><select id="f-status" name="status">${option("", "Any", f.status)}${STATUSES.map((s) => option(s, s, f.status))}</select></div>
<div><label for="f-mode">Mode</label><select id="f-mode" name="mode">${option("", "Live and test", f.mode)}${option("live", "Live only", f.mode)}${option("test", "Test only", f.mode)}</select></div>
<div><button type="submit">Filter</button> <a class="button secondary" href="/dashboard">Clear</a></div>
</form>
<div class="table-wrap"><table>
<caption>${shown.length} of ${accounts.length} authorizations, newest first</caption>
<thead><tr><th scope="col">Authorization</th><th scope="col">Utility</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Latest message</th><th scope="col">Created</th><th scope="col" class="num">Meters</th></tr></thead>
<tbody>${
      shown.length === 0
        ? html`<tr><td colspan="7" class="muted">No authorization matches. <a href="/dashboard/request">Request data</a> from a customer, or add one through the API.</td></tr>`
        : shown.map((a) =>
          html`<tr><td><a href="/dashboard/authorizations/${a.uid}">${a.nickname ?? a.uid}</a>${testBadge(a.is_test)}</td><td>${a.utility}</td>
<td>${a.customer_email ?? a.auth}</td><td>${badge(accountStatus(a))}</td><td>${a.latest?.message ?? ""}</td><td>${when(a.created)}</td>
<td class="num">${meterCount.get(a.uid) ?? 0}</td></tr>`
        )
    }</tbody></table></div>
<h2 id="meters">Meters</h2>
${meterRows(services.filter((s) => shownUids.has(s.account_uid)))}`))
  })

  app.get("/authorizations/:uid", async (c) => {
    const session = c.get("session")
    const found = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      const account = yield* store.getAccount(c.req.param("uid"))
      if (!account || account.user_uid !== session.user.uid) return undefined
      const services = (yield* store.listServices(session.user.uid)).filter((s) => s.account_uid === account.uid)
      return { account, services }
    }))
    if (!found) return c.html(message("Not found", "No authorization of yours has that uid."), 404)
    const { account: a, services } = found
    return c.html(shell(session, `Authorization ${a.nickname ?? a.uid}`, "/dashboard", html`
<p><a href="/dashboard">← All authorizations</a></p>
<div class="card"><dl class="stats">
<div><dt>Status</dt><dd>${badge(accountStatus(a))}${testBadge(a.is_test)}</dd></div>
<div><dt>Utility</dt><dd>${a.utility}</dd></div>
<div><dt>Customer</dt><dd>${a.customer_email ?? a.auth}</dd></div>
<div><dt>Created</dt><dd>${when(a.created)}</dd></div>
<div><dt>Expires</dt><dd>${when(a.auth_expires)}</dd></div>
</dl>
<p><strong>Latest:</strong> ${a.latest ? html`${a.latest.message} <span class="muted">(${when(a.latest.timestamp)})</span>` : html`<span class="muted">nothing yet</span>`}</p>
${a.authorization_url ? html`<p>Waiting for the customer to approve at the utility: <a href="${a.authorization_url}">approval link</a>.</p>` : ""}
</div>
${meterRows(services)}`))
  })
  return app
}
