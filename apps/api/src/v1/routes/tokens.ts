/** `/api/tokens`: your tokens, their options, and expiring them. New tokens need a browser session (or the CLI). */
import { Hono } from "hono"
import { Store, Timestamp, Token } from "@meterbridge/core"
import { forbidden, invalidField } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"
import * as Body from "../../shared/Body.ts"
import type { Deps } from "../Deps.ts"
import * as Serialize from "../Serialize.ts"
import * as Respond from "../respond.ts"
import * as Tokens from "../../shared/Tokens.ts"
import { only } from "./notAllowed.ts"
import * as Owned from "./owned.ts"

const CREATABLE = ["api", "widget", "admin"] as const

export const tokens = (deps: Deps) => {
  const { api } = deps
  const app = new Hono<AppEnv>()

  app.get("/", async (c) => {
    await deps.counter.flush()
    const list = await api.run(Store.Store.use((s) => s.listTokens(c.get("userUid"))))
    return Respond.send(c, list.map(Serialize.token), Token.csvColumns)
  })
  only(app, "/", ["GET"], "Not implemented. To create a token, use /api/tokens/new; to change or expire one, POST /api/tokens/<uid>/modify.")

  app.get("/new", (c) =>
    Respond.send(c, {
      help: "Only browser sessions can create tokens (POST /api/tokens/new): the dashboard's API tokens page (/dashboard/tokens) does. Operators create API tokens with `meterbridge tokens create --user <email>`.",
      docs: "/api/docs#tokens",
      fields: [
        { name: "type", type: "text", help: "One of \"api\", \"widget\" or \"admin\"" },
        { name: "expires", type: "datetime", help: "ISO 8601; when the token stops working (optional)" }
      ]
    }))

  app.post("/new", async (c) => {
    if (c.get("token").type !== "browser") {
      throw forbidden(
        "browser_session_required",
        "Only browser sessions can create tokens: sign in to the dashboard (/login) and use its API tokens page. An operator creates API tokens with `meterbridge tokens create --user <email>`."
      )
    }
    const body = await Body.read(c)
    const type = Body.optionalString(body, "type") ?? "api"
    if (!(CREATABLE as ReadonlyArray<string>).includes(type)) throw invalidField("type", "\"type\" must be \"api\", \"widget\" or \"admin\".")
    const expires = Body.optionalTimestamp(body, "expires") ?? null
    const now = Timestamp.fromMillis(api.now())
    const { record, secret } = await api.run(Tokens.create(c.get("userUid"), { type: type as "api", expires, now }))
    return Respond.send(c, { ...(Serialize.token(record) as object), token: secret })
  })
  only(app, "/new", ["GET", "POST"], "GET /api/tokens/new lists the options; POST to it (browser sessions only) creates a token.")

  app.get("/:uid", async (c) => {
    await deps.counter.flush()
    const t = await Owned.token(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(c, Serialize.token(t), Token.csvColumns)
  })
  only(app, "/:uid", ["GET"], "Not implemented. To create a token, use /api/tokens/new; to change or expire one, POST /api/tokens/<uid>/modify (an expires in the past invalidates it).")

  app.get("/:uid/modify", async (c) => {
    const t = await Owned.token(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(c, {
      help: "POST expires to /api/tokens/<uid>/modify; a time in the past expires the token at once.",
      docs: "/api/docs#tokens",
      uid: t.uid,
      expires: t.expires === null ? null : Timestamp.format(t.expires),
      fields: [{ name: "expires", type: "datetime", help: "ISO 8601; in the past expires the token" }]
    })
  })

  app.post("/:uid/modify", async (c) => {
    const t = await Owned.token(api, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    for (const field of ["portal", "company_name", "company_email", "button", "logo", "after_email", "after_redirect"]) {
      if (body[field] !== undefined) {
        throw invalidField(field, `"${field}" configures a customer portal, which Meterbridge does not have; only "expires" can change.`)
      }
    }
    const expires = Body.optionalTimestamp(body, "expires")
    // A token may shorten its own life (or a sibling's), never lengthen it: that would undo an operator's
    // `meterbridge tokens expire`. Only the operator (the CLI) can extend an expiry.
    if (expires !== undefined && t.expires !== null && expires > t.expires) {
      throw forbidden("expiry_extension_forbidden", "A token's expiry can only be moved earlier through the API; an operator extends it with the meterbridge CLI.")
    }
    if (expires !== undefined) {
      await api.run(Store.Store.use((s) => s.updateTokenExpiry(t.uid, expires)))
      api.tokens.forget(t.uid)
    }
    await deps.counter.flush()
    const after = await Owned.token(api, c.get("userUid"), t.uid)
    return Respond.send(c, Serialize.token(after), Token.csvColumns)
  })
  only(app, "/:uid/modify", ["GET", "POST"], "GET /api/tokens/<uid>/modify lists the options; POST to it changes or expires the token.")

  return app
}
