/** `/api/v2/events`: what happened, newest first, with its delivery state (UtilityAPI's Events). */
import { Hono } from "hono"
import { Store } from "@meterbridge/core"
import { Dispatcher } from "@meterbridge/webhooks"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import { invalidParam, notFound } from "../errors.ts"

export const events = (deps: Deps) => {
  const app = new Hono<V2Env>()

  const owned = async (userUid: string, uid: string) => {
    const event = await deps.run(Store.Store.use((s) => s.getEvent(uid)))
    if (!event || event.user_uid !== userUid) throw notFound("event")
    return event
  }

  app.get("/", async (c) => {
    const userUid = c.get("userUid")
    const is_delivered = Body.queryBoolean(c, "is_delivered")
    const limit = Body.queryLimit(c)
    const after = c.req.query("after")
    // `after` is the uid of the last event of the previous page: the listing goes on with older events.
    const beforeSeq = after === undefined ? undefined : (await owned(userUid, after).catch(() => {
      throw invalidParam("after", "\"after\" must be the uid of one of your events.")
    })).seq
    const list = await deps.run(Store.Store.use((s) =>
      s.listEvents(userUid, { limit: limit + 1, ...(is_delivered === undefined ? {} : { is_delivered }), ...(beforeSeq === undefined ? {} : { beforeSeq }) })
    ))
    const items = list.slice(0, limit)
    let next: string | null = null
    if (list.length > limit && items.length > 0) {
      const url = new URL(c.req.url)
      url.searchParams.set("after", items[items.length - 1]!.uid)
      next = url.toString()
    }
    return c.json({ events: items.map((e) => Dispatcher.eventJson(e)), next })
  })

  app.get("/:uid", async (c) => c.json(Dispatcher.eventJson(await owned(c.get("userUid"), c.req.param("uid")))))

  app.patch("/:uid", async (c) => {
    const event = await owned(c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const unknown = Object.keys(body).find((k) => k !== "is_delivered")
    if (unknown !== undefined) throw invalidParam(unknown, "Only \"is_delivered\" can be changed.")
    const is_delivered = Body.optionalBoolean(body, "is_delivered")
    if (is_delivered === undefined) return c.json(Dispatcher.eventJson(event))
    // Marked delivered: the worker stops sending it. Marked undelivered: a webhook event is sent again now.
    await deps.run(Store.Store.use((s) =>
      s.updateEvent(event.uid, is_delivered
        ? { is_delivered: true, next_attempt: null }
        : { is_delivered: false, next_attempt: event.webhook_uid === null ? null : deps.runtime.now() * 1000, attempts: 0, first_failure: null })
    ))
    return c.json(Dispatcher.eventJson(await owned(c.get("userUid"), event.uid)))
  })
  return app
}
