/**
 * `/api/v2/webhooks`: the user's webhook endpoints and their delivery logs (our addition: UtilityAPI manages
 * endpoints only in its dashboard). The signing secret is shown when created or rotated, never again.
 */
import { Hono } from "hono"
import { Store, Timestamp } from "@meterbridge/core"
import { Endpoints } from "@meterbridge/webhooks"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"

const DELIVERY_LOG = 100

const encode = (w: Store.WebhookRecord) => ({
  uid: w.uid,
  url: w.url,
  events: w.events,
  created: Timestamp.format(w.created),
  updated: Timestamp.format(w.updated),
  is_enabled: w.disabled === null,
  disabled: w.disabled === null ? null : Timestamp.format(w.disabled),
  disabled_reason: w.disabled_reason
})

export const webhooks = (deps: Deps) => {
  const app = new Hono<V2Env>()
  const owned = (c: { get: (k: "userUid") => string }, uid: string) => deps.run(Endpoints.owned(c.get("userUid"), uid))

  app.post("/", async (c) => {
    const body = await Body.read(c)
    const { record, secret } = await deps.run(Endpoints.create(c.get("userUid"), { url: body["url"], events: body["events"] }))
    return c.json({ ...encode(record), secret }, 201)
  })
  app.get("/", async (c) => {
    const list = await deps.run(Store.Store.use((s) => s.listWebhooks(c.get("userUid"))))
    return c.json({ webhooks: list.map(encode), next: null })
  })
  app.get("/:uid", async (c) => c.json(encode(await owned(c, c.req.param("uid")))))
  app.patch("/:uid", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    const body = await Body.read(c)
    return c.json(encode(await deps.run(Endpoints.update(webhook, { url: body["url"], events: body["events"], is_enabled: body["is_enabled"] }))))
  })
  app.delete("/:uid", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    await deps.run(Store.Store.use((s) => s.deleteWebhook(webhook.uid)))
    return c.body(null, 204)
  })
  app.post("/:uid/rotate-secret", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    const secret = await deps.run(Endpoints.rotateSecret(webhook))
    return c.json({ ...encode(await owned(c, webhook.uid)), secret })
  })
  app.post("/:uid/ping", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    await deps.run(Endpoints.ping(webhook))
    return c.json({ queued: true }, 202)
  })
  app.get("/:uid/deliveries", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    const list = await deps.run(Store.Store.use((s) => s.listDeliveries(webhook.uid, DELIVERY_LOG)))
    return c.json({
      deliveries: list.map((d) => ({
        id: d.id,
        event_uid: d.event_uid,
        attempt: d.attempt,
        ts: Timestamp.format(d.ts),
        status: d.status,
        latency_ms: d.latency_ms,
        reply: d.reply,
        error: d.error,
        is_delivered: d.delivered
      })),
      next: null
    })
  })
  app.post("/:uid/deliveries/:id/resend", async (c) => {
    const webhook = await owned(c, c.req.param("uid"))
    const event_uid = await deps.run(Endpoints.resend(webhook, c.req.param("id")))
    return c.json({ queued: true, event_uid }, 202)
  })
  return app
}
