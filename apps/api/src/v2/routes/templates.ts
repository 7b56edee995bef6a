/** `/api/v2/templates`: the company a customer sees on the form, and where they may be sent afterwards. */
import { Hono } from "hono"
import { Store, Workflow } from "@meterbridge/core"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"
import { invalidParam } from "../errors.ts"
import * as Owned from "../owned.ts"
import { page } from "../pages.ts"

const redirectUris = (body: Body.Json): ReadonlyArray<string> | undefined => {
  const v = body["redirect_uris"]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || !v.every((u): u is string => typeof u === "string")) {
    throw invalidParam("redirect_uris", "\"redirect_uris\" must be a list of URLs.")
  }
  return v
}

export const templates = (deps: Deps) => {
  const app = new Hono<V2Env>()

  app.get("/", async (c) => {
    const all = await deps.run(Store.Store.use((s) => s.listTemplates(c.get("userUid"))))
    const { items, next } = page(all, () => true, { url: c.req.url, after: c.req.query("after"), limit: Body.queryLimit(c) })
    const ctx = await deps.context(c)
    return c.json({ templates: items.map((t) => Encode.template(t, ctx)), next })
  })

  app.post("/", async (c) => {
    const body = await Body.read(c)
    const template = await deps.run(Workflow.createTemplate(c.get("userUid"), {
      company_name: Body.requiredString(body, "company_name", 200),
      company_logo: Body.optionalString(body, "company_logo", 2000) ?? null,
      company_email: Body.optionalString(body, "company_email", 254) ?? null,
      description: Body.optionalString(body, "description", 2000) ?? null,
      redirect_uris: redirectUris(body) ?? []
    }))
    return c.json(Encode.template(template, await deps.context(c)))
  })

  app.get("/:uid", async (c) => {
    const t = await Owned.template(deps, c.get("userUid"), c.req.param("uid"))
    return c.json(Encode.template(t, await deps.context(c)))
  })

  app.delete("/:uid", async (c) => {
    const t = await Owned.template(deps, c.get("userUid"), c.req.param("uid"))
    await deps.run(Store.Store.use((s) => s.deleteTemplate(t.uid)))
    return c.json({ success: true })
  })
  return app
}
