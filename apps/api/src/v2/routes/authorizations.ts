/** `/api/v2/authorizations`: what customers authorized (v1's accounts, seen as v2 shows them). */
import { Hono } from "hono"
import type { Context } from "hono"
import { Store, Workflow } from "@meterbridge/core"
import * as Body from "../body.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"
import { invalidParam } from "../errors.ts"
import * as Owned from "../owned.ts"
import { page } from "../pages.ts"

const includesMeters = (c: Context<V2Env>) => {
  const include = Body.queryList(c, "include") ?? []
  const unknown = include.find((i) => i !== "meters")
  if (unknown !== undefined) throw invalidParam("include", `Unknown include "${unknown}": only "meters".`)
  return include.includes("meters")
}

export const authorizations = (deps: Deps) => {
  const app = new Hono<V2Env>()

  /** The authorizations' encodings, each with its meters listing when asked. */
  const encode = async (c: Context<V2Env>, list: ReadonlyArray<Store.AccountRecord>) => {
    const ctx = await deps.context(c)
    if (!includesMeters(c)) return list.map((a) => Encode.authorization(a, ctx))
    const meters = await deps.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))
    return list.map((a) => ({
      ...Encode.authorization(a, ctx),
      meters: { meters: meters.filter((m) => m.account_uid === a.uid).map((m) => Encode.meter(m, ctx)), next: null }
    }))
  }

  app.get("/", async (c) => {
    const filters = {
      uids: Body.queryList(c, "uids"),
      forms: Body.queryList(c, "forms"),
      templates: Body.queryList(c, "templates"),
      referrals: Body.queryList(c, "referrals"),
      utility: Body.queryList(c, "utility"),
      is_archived: Body.queryBoolean(c, "is_archived"),
      is_declined: Body.queryBoolean(c, "is_declined"),
      is_test: Body.queryBoolean(c, "is_test"),
      is_revoked: Body.queryBoolean(c, "is_revoked"),
      is_expired: Body.queryBoolean(c, "is_expired")
    }
    const limit = Body.queryLimit(c)
    const now = deps.runtime.now() * 1000
    const all = await deps.run(Store.Store.use((s) => s.listAccounts(c.get("userUid"))))
    const inList = (list: ReadonlyArray<string> | undefined, value: string | null) => list === undefined || (value !== null && list.includes(value))
    const flag = (want: boolean | undefined, value: boolean) => want === undefined || want === value
    const { items, next } = page(all, (a) =>
      inList(filters.uids, a.uid) && inList(filters.forms, a.form_uid) && inList(filters.templates, a.template_uid) &&
      inList(filters.referrals, a.referral) && inList(filters.utility, a.utility) &&
      flag(filters.is_archived, a.is_archived) && flag(filters.is_declined, a.declined !== null) && flag(filters.is_test, a.is_test) &&
      flag(filters.is_revoked, a.revoked !== null) && flag(filters.is_expired, a.auth_expires !== null && a.auth_expires <= now),
      { url: c.req.url, after: c.req.query("after"), limit })
    return c.json({ authorizations: await encode(c, items), next })
  })

  app.get("/:uid", async (c) => {
    const a = await Owned.authorization(deps, c.get("userUid"), c.req.param("uid"))
    return c.json((await encode(c, [a]))[0])
  })

  app.patch("/:uid", async (c) => {
    const a = await Owned.authorization(deps, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const unknown = Object.keys(body).find((k) => k !== "is_archived" && k !== "nickname")
    if (unknown !== undefined) throw invalidParam(unknown, `"${unknown}" cannot be changed: only is_archived and nickname.`)
    const nickname = body["nickname"] === null ? null : Body.optionalString(body, "nickname", 200)
    const is_archived = Body.optionalBoolean(body, "is_archived")
    await deps.run(Workflow.updateAuthorization(a.uid, {
      ...(is_archived === undefined ? {} : { is_archived }),
      ...(nickname === undefined ? {} : { nickname })
    }))
    const after = await Owned.authorization(deps, c.get("userUid"), a.uid)
    return c.json((await encode(c, [after]))[0])
  })

  app.post("/:uid/revoke", async (c) => {
    const a = await Owned.authorization(deps, c.get("userUid"), c.req.param("uid"))
    const revoked = await deps.run(Workflow.revoke(a.uid))
    return c.json(Encode.authorization(revoked, await deps.context(c)))
  })

  app.delete("/:uid", async (c) => {
    const a = await Owned.authorization(deps, c.get("userUid"), c.req.param("uid"))
    await deps.run(Workflow.deleteAuthorization(a.uid))
    return c.json({ success: true })
  })
  return app
}
