/** `/api/v2/forms`: links to the hosted authorization page, and test-submit. */
import { Hono } from "hono"
import { Schema } from "effect"
import { Store, TestScenario, Workflow } from "@meterbridge/core"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"
import { invalidParam } from "../errors.ts"
import * as Owned from "../owned.ts"
import { page } from "../pages.ts"

const isScenario = Schema.is(TestScenario.TestScenario)

const scope = (body: Body.Json): { expires?: string } | undefined => {
  const v = body["scope"]
  if (v === undefined || v === null) return undefined
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParam("scope", "\"scope\" must be an object such as {\"expires\": \"3y\"}.")
  const expires = (v as Record<string, unknown>)["expires"]
  if (expires === undefined || expires === null) return {}
  if (typeof expires !== "string") throw invalidParam("scope", "\"scope.expires\" must be a string such as \"3y\" or \"until_revoked\".")
  return { expires }
}

export const forms = (deps: Deps) => {
  const app = new Hono<V2Env>()

  app.get("/", async (c) => {
    const templates = Body.queryList(c, "templates")
    const archived = Body.queryBoolean(c, "is_archived")
    const all = await deps.run(Store.Store.use((s) => s.listForms(c.get("userUid"))))
    const { items, next } = page(
      all,
      (f) => (templates === undefined || (f.template_uid !== null && templates.includes(f.template_uid))) && (archived === undefined || f.is_archived === archived),
      { url: c.req.url, after: c.req.query("after"), limit: Body.queryLimit(c) }
    )
    const ctx = await deps.context(c)
    return c.json({ forms: items.map((f) => Encode.form(f, ctx)), next })
  })

  app.post("/", async (c) => {
    const body = await Body.read(c)
    const s = scope(body)
    const form = await deps.run(Workflow.createForm(c.get("userUid"), {
      template_uid: Body.optionalString(body, "template_uid", 100) ?? null,
      customer_email: Body.optionalString(body, "customer_email", 254) ?? null,
      utility: Body.optionalString(body, "utility", 100) ?? null,
      authorization_uid: Body.optionalString(body, "authorization_uid", 100) ?? null,
      ...(s === undefined ? {} : { scope: s })
    }))
    return c.json(Encode.form(form, await deps.context(c)))
  })

  app.get("/:uid", async (c) => {
    const f = await Owned.form(deps, c.get("userUid"), c.req.param("uid"))
    return c.json(Encode.form(f, await deps.context(c)))
  })

  app.delete("/:uid", async (c) => {
    const f = await Owned.form(deps, c.get("userUid"), c.req.param("uid"))
    await deps.run(Store.Store.use((s) => s.deleteForm(f.uid)))
    return c.json({ success: true })
  })

  app.post("/:uid/test-submit", async (c) => {
    const f = await Owned.form(deps, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const utility = Body.requiredString(body, "utility", 100)
    const scenario = Body.requiredString(body, "scenario", 100)
    if (!isScenario(scenario)) {
      throw invalidParam("scenario", `Unknown scenario "${scenario}": one of ${TestScenario.scenarios.join(", ")}.`)
    }
    const account = await deps.run(Workflow.testSubmit(f, utility, scenario))
    return c.json({ success: true, referral: account.referral, authorization_uid: account.uid })
  })
  return app
}
