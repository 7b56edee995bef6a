/** `/api/v2/meters`: the services of authorizations, and asking for their data (historical collection, monitoring). */
import { Hono } from "hono"
import { identityMemo } from "../../shared/identityMemo.ts"
import { securedResponse } from "../../shared/security.ts"
import type { Context } from "hono"
import { Store, Workflow } from "@meterbridge/core"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"
import { invalidParam, requiredParam } from "../errors.ts"
import * as Owned from "../owned.ts"
import { page } from "../pages.ts"

/** The caller's meters named in the body's `meters`; an unknown or foreign uid is refused by name. */
const ownedMeters = async (deps: Deps, c: Context<V2Env>, body: Body.Json) => {
  if (body["meters"] === undefined) throw requiredParam("meters", "\"meters\" (a list of meter uids) is required.")
  const uids = Body.uidList(body["meters"], "meters")
  if (uids.length === 0) throw invalidParam("meters", "\"meters\" must name at least one meter.")
  const mine = new Map((await deps.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))).map((m) => [m.uid, m]))
  const unknown = uids.find((u) => !mine.has(u))
  if (unknown !== undefined) throw invalidParam("meters", `No meter with uid "${unknown}".`)
  return uids.map((u) => mine.get(u)!)
}

export const meters = (deps: Deps) => {
  const app = new Hono<V2Env>()

  app.get("/", async (c) => {
    const uids = Body.queryList(c, "uids")
    const auths = Body.queryList(c, "authorizations")
    const utility = Body.queryList(c, "utility")
    const archived = Body.queryBoolean(c, "is_archived")
    const activated = Body.queryBoolean(c, "is_activated")
    const limit = Body.queryLimit(c)
    const all = await deps.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))
    const { items, next } = page(all, (m) =>
      (uids === undefined || uids.includes(m.uid)) && (auths === undefined || auths.includes(m.account_uid)) &&
      (utility === undefined || utility.includes(m.utility)) && (archived === undefined || m.is_archived === archived) &&
      (activated === undefined || m.is_activated === activated),
      { url: c.req.url, after: c.req.query("after"), limit })
    const ctx = await deps.context(c)
    return c.json({ meters: items.map((m) => Encode.meter(m, ctx)), next })
  })

  app.post("/historical-collection", async (c) => {
    const body = await Body.read(c)
    const chosen = await ownedMeters(deps, c, body)
    const raw = body["collection_duration"]
    const months = raw === undefined || raw === null ? Workflow.DEFAULT_COLLECTION_MONTHS : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw
    if (typeof months !== "number") throw invalidParam("collection_duration", "\"collection_duration\" must be a number of months from 1 to 36.")
    const accepted = await deps.run(Workflow.historicalCollection(chosen, months))
    return c.json({ success: true, meters: accepted, collection_duration: months })
  })

  app.post("/ongoing-monitoring", async (c) => {
    const body = await Body.read(c)
    const chosen = await ownedMeters(deps, c, body)
    const frequency = Body.requiredString(body, "frequency", 20)
    if (!(Workflow.FREQUENCIES as ReadonlyArray<string>).includes(frequency)) {
      throw invalidParam("frequency", `"frequency" must be one of ${Workflow.FREQUENCIES.join(", ")}.`)
    }
    const accepted = await deps.run(Workflow.ongoingMonitoring(chosen, frequency as Store.MonitoringFrequency))
    return c.json({ success: true, meters: accepted, frequency })
  })

  // A hot read: the meter's JSON is written once per version of its record (and of the caller's email).
  const meterJson = identityMemo((m: Store.ServiceWithFigures, userEmail: string, base: string) => JSON.stringify(Encode.meter(m, { base, userEmail })))
  app.get("/:uid", async (c) => {
    const m = await Owned.meter(deps, c.get("userUid"), c.req.param("uid"))
    const { base, userEmail } = await deps.context(c)
    return securedResponse(meterJson(m.uid, m, userEmail, base), 200, "application/json")
  })

  app.patch("/:uid", async (c) => {
    const m = await Owned.meter(deps, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const unknown = Object.keys(body).find((k) => k !== "is_archived")
    if (unknown !== undefined) throw invalidParam(unknown, `"${unknown}" cannot be changed: only is_archived.`)
    const is_archived = Body.optionalBoolean(body, "is_archived")
    await deps.run(Workflow.updateMeter(m.uid, is_archived === undefined ? {} : { is_archived }))
    const after = await Owned.meter(deps, c.get("userUid"), m.uid)
    return c.json(Encode.meter(after, await deps.context(c)))
  })
  return app
}
