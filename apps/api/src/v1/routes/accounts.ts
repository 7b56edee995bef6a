/** `/api/accounts`: list, add (options + add), get, modify (options + modify), delete (code + delete). */
import { Hono } from "hono"
import { Effect } from "effect"
import { Account, Collection, Collectors, Store, Workflow } from "@meterbridge/core"
import type { Collector } from "@meterbridge/core"
import { badRequest, invalidField, missingField } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"
import * as Body from "../../shared/Body.ts"
import type { Deps } from "../Deps.ts"
import * as Serialize from "../Serialize.ts"
import * as Respond from "../respond.ts"
import * as Confirm from "./confirm.ts"
import { only } from "./notAllowed.ts"
import * as Owned from "./owned.ts"

const DOCS = "/api/docs#accounts"

const authFields = [
  { name: "auth_type", type: "text", help: "\"owner\" (the customer signs with real_name) or \"3rdparty\" (upload a signed form as 3rdparty_file)" },
  { name: "real_name", type: "text", help: "The full name of the customer: their signature, required when auth_type is \"owner\"" },
  { name: "3rdparty_file", type: "file", help: "A base64 encoded, signed utility authorization form, required when auth_type is \"3rdparty\"" }
] as const

/** Reads auth_type + real_name / 3rdparty_file into the Account's `auth_type` and `auth`. */
const readAuth = async (body: Body.Body, required: boolean): Promise<{ auth_type: Account.AuthType; auth: string } | undefined> => {
  const type = Body.optionalString(body, "auth_type")
  if (type === undefined) {
    if (required) throw missingField("auth_type", "\"auth_type\" is required: \"owner\" or \"3rdparty\".")
    return undefined
  }
  if (type !== "owner" && type !== "3rdparty") throw invalidField("auth_type", "\"auth_type\" must be \"owner\" or \"3rdparty\".")
  if (type === "owner") {
    const name = Body.requiredString(body, "real_name", "\"real_name\" (the customer's full name, their signature) is required when auth_type is \"owner\".")
    return { auth_type: type, auth: name.trim() }
  }
  const file = Body.requiredString(body, "3rdparty_file", "\"3rdparty_file\" (a base64 encoded signed authorization form) is required when auth_type is \"3rdparty\".")
  let bytes: Uint8Array
  try {
    bytes = Uint8Array.from(atob(file.replace(/\s+/g, "")), (ch) => ch.charCodeAt(0))
  } catch {
    throw invalidField("3rdparty_file", "\"3rdparty_file\" must be base64 encoded.")
  }
  if (bytes.length === 0) throw invalidField("3rdparty_file", "\"3rdparty_file\" is empty.")
  // The form itself is not kept (the Store has no file storage); its digest identifies what was submitted.
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)), (b) =>
    b.toString(16).padStart(2, "0")).join("")
  return { auth_type: type, auth: `3rdparty authorization form (${bytes.length} bytes, sha256 ${digest})` }
}

/** The customer's access fields for this utility (core's rule); on modify, no access field at all keeps the current access. */
const readAccess = (body: Body.Body, collector: Collector.Collector, required: boolean): Collector.Access | undefined => {
  const names = collector.info.options.flatMap((set) => set.map((f) => f.name))
  const values = Object.fromEntries(names.map((n) => [n, Body.optionalString(body, n)]))
  if (!required && !names.some((n) => (values[n] ?? "") !== "")) return undefined
  const access = Workflow.accessFor(collector.info, values)
  if (access instanceof Workflow.InvalidInput) throw missingField(access.field, access.message)
  return access
}

export const accounts = (deps: Deps) => {
  const { api } = deps
  const app = new Hono<AppEnv>()
  const callbackUrl = `${api.config.publicBaseUrl}/api/oauth/callback`

  const registrations = (userUid: string) =>
    api.run(Effect.gen(function*() {
      const store = yield* Store.Store
      return new Map((yield* store.listRegistrations(userUid)).map((r) => [r.utility, r.status] as const))
    }))

  const collectorFor = (utility: string) =>
    api.run(Collectors.Collectors.useSync((r) => r.get(utility))).then((c) => {
      if (!c) throw badRequest("unknown_utility", `Unknown utility "${utility}": GET /api/accounts/add lists the utilities.`, "utility")
      return c
    })

  app.get("/", async (c) => {
    const list = await api.run(Store.Store.use((s) => s.listAccounts(c.get("userUid"))))
    return Respond.send(c, list.map(Serialize.account), Account.csvColumns)
  })
  only(app, "/", ["GET"], "Not used. To add an account use POST /api/accounts/add; to modify one, POST /api/accounts/<uid>/modify; to delete one with its services, bills and intervals, POST /api/accounts/<uid>/delete.")

  app.get("/add", async (c) => {
    const regs = await registrations(c.get("userUid"))
    const infos = await api.run(Collectors.Collectors.useSync((r) => r.all))
    const options = infos.map((info) => ({
      utility: info.utility,
      name: info.name,
      allows: info.allows,
      login: info.login,
      options: info.options,
      ...(info.requiresRegistration ? { registration: regs.get(info.utility) ?? "pending" } : {})
    }))
    // CSV has no room for the nested field lists: one row per utility.
    if (c.get("format") === "csv") return Respond.send(c, options, ["utility", "name", "login", "registration"])
    return Respond.send(c, {
      help: "POST utility, auth_type, real_name (owner) or 3rdparty_file (3rdparty), and one set of the utility's access fields to /api/accounts/add.",
      docs: DOCS,
      fields: authFields,
      options
    })
  })

  app.post("/add", async (c) => {
    const body = await Body.read(c)
    const utility = Body.requiredString(body, "utility", "\"utility\" is required: one of the utilities GET /api/accounts/add lists.")
    const collector = await collectorFor(utility)
    const auth = (await readAuth(body, true))!
    // Checked before the access fields, so the first problem named is the auth type (core's rule).
    const refused = Collection.authTypeProblem(collector.info, auth.auth_type)
    if (refused) throw invalidField(refused.field, refused.message)
    const access = readAccess(body, collector, true)!
    const account = await api.run(
      Collection.addAccount({ user_uid: c.get("userUid"), utility, ...auth, access, callbackUrl })
    )
    return Respond.send(c, Serialize.account(account), Account.csvColumns)
  })
  only(app, "/add", ["GET", "POST"], "GET /api/accounts/add lists the options; POST /api/accounts/add adds an account.")

  app.get("/:uid", async (c) => {
    const account = await Owned.account(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(c, Serialize.account(account), Account.csvColumns)
  })
  only(app, "/:uid", ["GET"], "Not implemented. To add an account use POST /api/accounts/add; to modify this one, POST /api/accounts/<uid>/modify.")

  app.get("/:uid/modify", async (c) => {
    const account = await Owned.account(api, c.get("userUid"), c.req.param("uid"))
    const collector = await collectorFor(account.utility)
    return Respond.send(c, {
      help: "POST any of these fields to /api/accounts/<uid>/modify. Access fields are sent as a complete set; by default services and their data are collected again.",
      docs: DOCS,
      uid: account.uid,
      utility: account.utility,
      fields: [
        ...authFields,
        { name: "update_services", type: "boolean", help: "Default true: look up the account's services again" },
        { name: "update_data", type: "boolean", help: "Default true: collect bills and intervals again for services active in the future" }
      ],
      allows: collector.info.allows,
      options: collector.info.options
    })
  })

  app.post("/:uid/modify", async (c) => {
    const account = await Owned.account(api, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const collector = await collectorFor(account.utility)
    const auth = await readAuth(body, false)
    const access = readAccess(body, collector, false)
    const update_services = Body.optionalBoolean(body, "update_services")
    const update_data = Body.optionalBoolean(body, "update_data")
    const updated = await api.run(Collection.modifyAccount(account.uid, {
      ...(auth ?? {}),
      ...(access ? { access } : {}),
      ...(update_services === undefined ? {} : { update_services }),
      ...(update_data === undefined ? {} : { update_data }),
      callbackUrl
    }))
    return Respond.send(c, Serialize.account(updated), Account.csvColumns)
  })
  only(app, "/:uid/modify", ["GET", "POST"], "GET /api/accounts/<uid>/modify lists the options; POST to it modifies the account.")

  app.get("/:uid/delete", async (c) => {
    const account = await Owned.account(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(
      c,
      await Confirm.issue(deps, c, "delete_account", account.uid, `POST this code as "code" to /api/accounts/${account.uid}/delete within 10 minutes to delete the account, its services and all their bills and intervals.`)
    )
  })

  app.post("/:uid/delete", async (c) => {
    const account = await Owned.account(api, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    await Confirm.redeem(deps, c, body, "delete_account", account.uid, `/api/accounts/${account.uid}/delete`)
    await api.run(Store.Store.use((s) => s.deleteAccount(account.uid)))
    return Respond.send(c, { uid: account.uid, deleted: true, message: "The account, its services and their bills and intervals were deleted." })
  })
  only(app, "/:uid/delete", ["GET", "POST"], "GET /api/accounts/<uid>/delete for a confirmation code, then POST it to the same URL.")

  return app
}
