/**
 * The dashboard's webhooks and billing page: the user's endpoints (add one and see its secret once, ping it,
 * enable a disabled one), each endpoint's latest deliveries (status, latency, the reply's first bytes, resend),
 * and, when prepaid billing is on, the balance and the ledger. The same core commands as `/api/v2/webhooks`.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { html } from "hono/html"
import { Effect } from "effect"
import { Billing, Store } from "@meterbridge/core"
import { Endpoints } from "@meterbridge/webhooks"
import { run } from "../../shared/run.ts"
import type { Shared } from "../../shared/Shared.ts"
import { message } from "../layout.ts"
import type { DashEnv } from "./env.ts"
import { shell } from "./layout.ts"
import { badge, csrfField, money, when } from "./view.ts"

const DELIVERIES_SHOWN = 10
const LEDGER_SHOWN = 50

export const webhooks = (shared: Shared) => {
  const { runtime } = shared
  const app = new Hono<DashEnv>()

  const page = async (c: Context<DashEnv>, notice?: { secret?: string; text?: string; alert?: string }) => {
    const session = c.get("session")
    const data = await run(runtime, Effect.gen(function*() {
      const store = yield* Store.Store
      const endpoints = yield* store.listWebhooks(session.user.uid)
      const deliveries = new Map<string, ReadonlyArray<Store.DeliveryRecord>>()
      for (const w of endpoints) deliveries.set(w.uid, yield* store.listDeliveries(w.uid, DELIVERIES_SHOWN))
      const billing = yield* Billing.Billing
      return {
        endpoints,
        deliveries,
        billing,
        balance: billing.mode === "prepaid" ? yield* store.balance(session.user.uid) : 0,
        ledger: billing.mode === "prepaid" ? yield* store.listLedger(session.user.uid) : []
      }
    }))
    const csrf = csrfField(session.csrf)
    return c.html(shell(session, "Webhooks and billing", "/dashboard/webhooks", html`
${notice?.alert ? html`<div class="alert" role="alert">${notice.alert}</div>` : ""}
${
      notice?.secret
        ? html`<div class="notice" role="status"><p><strong>Endpoint added.</strong> Its signing secret is shown this once:</p>
<p><label for="new-secret">Secret</label><input id="new-secret" class="copy" type="text" readonly value="${notice.secret}"> <button type="button" class="secondary" data-copy="new-secret">Copy</button></p></div>`
        : notice?.text
        ? html`<div class="notice" role="status">${notice.text}</div>`
        : ""
    }
<div class="card"><h2 id="new-hook" style="margin-top:0">Add an endpoint</h2>
<form method="post" action="/dashboard/webhooks" aria-labelledby="new-hook">${csrf}
<div class="filters">
<div style="flex:1 1 24rem"><label for="url">URL</label><input id="url" name="url" type="url" required placeholder="https://example.com/hooks/meterbridge" style="width:100%"></div>
<div><button type="submit">Add endpoint</button></div>
</div></form>
<p class="muted">Every event is sent, signed with both <code>X-UtilityAPI-Webhook-Signature</code> and Standard Webhooks headers; choose event types over the API (<code>POST /api/v2/webhooks</code>).</p></div>
${
      data.endpoints.length === 0
        ? html`<p>No endpoints yet.</p>`
        : data.endpoints.map((w) =>
          html`<section class="card" aria-labelledby="hook-${w.uid}"><h2 id="hook-${w.uid}" style="margin-top:0">${w.url}</h2>
<p>${w.disabled === null ? badge("enabled") : badge("disabled")} ${w.disabled_reason ? html`<span class="muted">${w.disabled_reason}</span>` : ""}
 · events: ${w.events === null ? "all" : w.events.join(", ")}</p>
<div class="filters">
<form method="post" action="/dashboard/webhooks/${w.uid}/ping">${csrf}<button type="submit" class="secondary">Send a ping</button></form>
${w.disabled === null ? "" : html`<form method="post" action="/dashboard/webhooks/${w.uid}/enable">${csrf}<button type="submit">Enable again</button></form>`}
</div>
<div class="table-wrap"><table><caption>Latest deliveries</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col" class="num">Attempt</th><th scope="col" class="num">Status</th><th scope="col" class="num">Latency</th><th scope="col">Reply</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${
            (data.deliveries.get(w.uid) ?? []).map((d) =>
              html`<tr><td>${when(d.ts)}</td><td>${d.event_uid}</td><td class="num">${d.attempt}</td><td class="num">${d.status ?? d.error ?? "—"}</td>
<td class="num">${d.latency_ms} ms</td><td><code>${(d.reply ?? "").slice(0, 80)}</code></td>
<td><form method="post" action="/dashboard/webhooks/${w.uid}/deliveries/${d.id}/resend">${csrf}<button type="submit" class="secondary" aria-label="Resend event ${d.event_uid}">Resend</button></form></td></tr>`
            )
          }</tbody></table></div></section>`
        )
    }
${
      data.billing.mode === "prepaid"
        ? html`<section class="card" aria-labelledby="billing"><h2 id="billing" style="margin-top:0">Billing</h2>
<p>Balance <strong>${money(Billing.toDollars(data.balance))}</strong> · ${money(Billing.toDollars(data.billing.pricePerCollection))} per collection of a meter. The operator adds credit.</p>
<div class="table-wrap"><table><caption>Ledger (latest ${LEDGER_SHOWN})</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Description</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${data.ledger.slice(0, LEDGER_SHOWN).map((l) => html`<tr><td>${when(l.ts)}</td><td>${l.description}</td><td class="num">${money(Billing.toDollars(l.amount))}</td></tr>`)}</tbody>
</table></div></section>`
        : ""
    }`, html`<script defer src="/assets/dashboard.js"></script>`))
  }

  /** The caller's endpoint, or undefined (someone else's is as missing as a missing one). */
  const owned = (c: Context<DashEnv>) =>
    run(runtime, Store.Store.use((s) => s.getWebhook(c.req.param("uid") ?? ""))).then((w) =>
      w !== undefined && w.user_uid === c.get("session").user.uid ? w : undefined
    )
  const notFound = (c: Context<DashEnv>) => c.html(message("Not found", "No endpoint of yours has that uid."), 404)

  app.get("/webhooks", (c) => page(c))
  app.post("/webhooks", async (c) => {
    const outcome = await runtime.runWith(
      Endpoints.create(c.get("session").user.uid, { url: c.get("form")["url"] }),
      (failure) => new Refused(failure._tag === "Fail" && failure.error instanceof Error ? failure.error.message : "The endpoint could not be added; try again.")
    ).catch((e: unknown) => (e instanceof Refused ? e : Promise.reject(e)))
    if (outcome instanceof Refused) return page(c, { alert: outcome.message })
    return page(c, { secret: outcome.secret })
  })
  app.post("/webhooks/:uid/ping", async (c) => {
    const w = await owned(c)
    if (!w) return notFound(c)
    await run(runtime, Endpoints.ping(w))
    return page(c, { text: `Ping queued for ${w.url}.` })
  })
  app.post("/webhooks/:uid/enable", async (c) => {
    const w = await owned(c)
    if (!w) return notFound(c)
    await run(runtime, Endpoints.update(w, { is_enabled: true }))
    return page(c, { text: `${w.url} is enabled again; what waited is being sent.` })
  })
  app.post("/webhooks/:uid/deliveries/:id/resend", async (c) => {
    const w = await owned(c)
    if (!w) return notFound(c)
    await run(runtime, Endpoints.resend(w, c.req.param("id")))
    return page(c, { text: "Resend queued." })
  })
  return app
}

/** An endpoint the core refused (a private or malformed URL, too many endpoints): shown on the page. */
class Refused extends Error {}
