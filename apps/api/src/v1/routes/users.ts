/** `/api/users`: your user, sign-up with an invite (`/users/new`, CSRF-protected), and user settings. */
import { Hono } from "hono"
import { getCookie } from "hono/cookie"
import { serialize } from "hono/utils/cookie"
import { Effect } from "effect"
import { Ids, Store, Timestamp, User } from "@meterbridge/core"
import { HttpError, conflict, forbidden, invalidField, missingField } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"
import * as Body from "../../shared/Body.ts"
import * as Csrf from "../../shared/Csrf.ts"
import type { Deps } from "../Deps.ts"
import * as Invites from "../../shared/Invites.ts"
import * as RequestInfo from "../../shared/RequestInfo.ts"
import * as Passwords from "../../shared/Passwords.ts"
import * as Serialize from "../Serialize.ts"
import * as Respond from "../respond.ts"
import { only } from "./notAllowed.ts"

/**
 * A local part, then dot-separated domain labels. Labels exclude the dot, so
 * every character has one way to match: linear time on any input (the old
 * `[^\s@]+\.[^\s@]+` backtracked quadratically). The length is checked first.
 */
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/
const MAX_EMAIL = 254

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

const checkEmail = (email: string, field: string) => {
  if (email.length > MAX_EMAIL || !EMAIL.test(email)) throw invalidField(field, `"${field}" is not an email address.`)
}

const checkNewPassword = (password: string, confirm: string | undefined, field: string, confirmField: string) => {
  const weak = Passwords.weakness(password)
  if (weak) throw invalidField(field, weak)
  if (confirm === undefined) throw missingField(confirmField, `"${confirmField}" is required and must repeat "${field}".`)
  if (confirm !== password) throw invalidField(confirmField, `"${confirmField}" does not match "${field}".`)
}

/** Sign-up: the only endpoint that takes no API token, so it is CSRF-protected instead. */
export const signup = (deps: Deps) => {
  const { api } = deps
  const app = new Hono<AppEnv>()
  app.get("/", async (c) => {
    const token = await deps.csrf.issue()
    const cookie = serialize(Csrf.COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/api/users/new", secure: RequestInfo.of(c.req.raw).secure })
    return Respond.send(c, {
      help: "POST invite, email, password, password_confirm and csrf_token (this value; the cookie set with this response must come along) to /api/users/new.",
      docs: "/api/docs#users",
      csrf_token: token,
      fields: [
        { name: "invite", type: "text", help: "An invite code from the operator (meterbridge invites create)" },
        { name: "email", type: "email", help: "Your email address" },
        { name: "password", type: "password", help: `At least ${Passwords.MIN_LENGTH} characters` },
        { name: "password_confirm", type: "password", help: "The same password again" },
        { name: "csrf_token", type: "hidden", help: "The csrf_token of this response" }
      ]
    }, undefined, 200, { "Set-Cookie": cookie })
  })
  app.post("/", async (c) => {
    // Cheapest first: the address's sign-up allowance, then the CSRF pair and the fields, then the invite
    // (one indexed write), and only then the deliberately slow password hash. Without a valid invite the
    // answer is the same whether or not the email has an account.
    const address = RequestInfo.of(c.req.raw).address
    const wait = address === RequestInfo.UNKNOWN ? undefined : deps.signups.hit(address)
    if (wait !== undefined) {
      throw new HttpError(429, "rate_limited", `Too many sign-up attempts from your address. Retry after ${wait}s.`, { headers: { "Retry-After": String(wait) } })
    }
    const body = await Body.read(c)
    if (!(await deps.csrf.check(getCookie(c, Csrf.COOKIE), Body.optionalString(body, "csrf_token")))) {
      throw forbidden("csrf_failed", "Missing or mismatched CSRF token: GET /api/users/new first, then POST with its cookie and its csrf_token.")
    }
    const invite = Body.requiredString(body, "invite", "\"invite\" is required: ask the operator for an invite code.")
    const email = normalizeEmail(Body.requiredString(body, "email"))
    checkEmail(email, "email")
    const password = Body.requiredString(body, "password")
    checkNewPassword(password, Body.optionalString(body, "password_confirm"), "password", "password_confirm")
    const now = Timestamp.fromMillis(api.now())
    const uid = Ids.newUid()
    const codeHash = await Invites.hash(invite)
    await api.run(Effect.gen(function*() {
      const store = yield* Store.Store
      if (!(yield* store.redeemInvite(codeHash, uid, now))) {
        return yield* Effect.fail(invalidField("invite", "This invite code is unknown, expired or already used."))
      }
      // Only the holder of a valid invite learns that an email is taken; the invite is spent either way.
      if (yield* store.findUserByEmail(email)) return yield* Effect.fail(conflict("A user with this email already exists."))
    }))
    const user: Store.UserRecord = { uid, email, password_hash: await api.passwords.hash(password), created: now }
    const created = await api.run(Effect.gen(function*() {
      const store = yield* Store.Store
      yield* store.createUser(user).pipe(Effect.catchTag("Conflict", () => Effect.fail(conflict("A user with this email already exists."))))
      return user
    }))
    return Respond.send(c, Serialize.user(created), User.csvColumns)
  })
  only(app, "/", ["GET", "POST"], "GET /api/users/new for the sign-up requirements, then POST to it.")
  return app
}

export const users = (deps: Deps) => {
  const { api } = deps
  const app = new Hono<AppEnv>()
  const load = async (userUid: string) => {
    const user = await api.run(Store.Store.use((s) => s.getUser(userUid)))
    if (!user) throw new HttpError(404, "not_found", "No user with that uid.")
    return user
  }
  const own = (c: { get: (k: "userUid") => string }, uid: string) => {
    if (c.get("userUid") !== uid) throw new HttpError(404, "not_found", "No user with that uid.")
    return load(uid)
  }

  app.get("/", async (c) => Respond.send(c, [Serialize.user(await load(c.get("userUid")))], User.csvColumns))
  only(app, "/", ["GET"], "Not implemented. To create a user, use /api/users/new; to modify yours, POST /api/users/<uid>/modify.")

  app.get("/:uid", async (c) => Respond.send(c, Serialize.user(await own(c, c.req.param("uid"))), User.csvColumns))
  only(app, "/:uid", ["GET"], "Not implemented. To create a user, use /api/users/new; to modify yours, POST /api/users/<uid>/modify.")

  app.get("/:uid/modify", async (c) => {
    const user = await own(c, c.req.param("uid"))
    return Respond.send(c, {
      help: "POST password (your current one) and the fields to change to /api/users/<uid>/modify.",
      docs: "/api/docs#users",
      uid: user.uid,
      email: user.email,
      fields: [
        { name: "password", type: "password", help: "Your current password: required" },
        { name: "email", type: "email", help: "A new email address" },
        { name: "new_password", type: "password", help: `A new password, at least ${Passwords.MIN_LENGTH} characters` },
        { name: "new_password_confirm", type: "password", help: "The new password again" }
      ]
    })
  })

  app.post("/:uid/modify", async (c) => {
    const user = await own(c, c.req.param("uid"))
    const body = await Body.read(c)
    // Cheap input checks first, then the (deliberately slow) password check, then the write.
    const password = Body.requiredString(body, "password", "\"password\" (your current password) is required to change user settings.")
    if (Body.optionalString(body, "allow_owner") !== undefined) {
      throw invalidField("allow_owner", "\"allow_owner\" is not supported: Meterbridge has no sub-users.")
    }
    const emailRaw = Body.optionalString(body, "email")
    const email = emailRaw === undefined ? undefined : normalizeEmail(emailRaw)
    if (email !== undefined) checkEmail(email, "email")
    const newPassword = Body.optionalString(body, "new_password")
    const newConfirm = Body.optionalString(body, "new_password_confirm")
    if (newPassword === undefined && newConfirm !== undefined) {
      throw missingField("new_password", "\"new_password_confirm\" only goes with \"new_password\": send both, or neither.")
    }
    if (newPassword !== undefined) checkNewPassword(newPassword, newConfirm, "new_password", "new_password_confirm")
    if (!(await api.passwords.verify(password, user.password_hash))) {
      throw forbidden("wrong_password", user.password_hash === null
        ? "This user has no password yet; an operator sets one with `meterbridge users create --email <email> --password`."
        : "The current password is not correct.")
    }
    const patch: { email?: string; password_hash?: string } = {
      ...(email === undefined || email === user.email ? {} : { email }),
      ...(newPassword === undefined ? {} : { password_hash: await api.passwords.hash(newPassword) })
    }
    const updated = await api.run(Effect.gen(function*() {
      const store = yield* Store.Store
      if (Object.keys(patch).length === 0) return user
      yield* store.updateUser(user.uid, patch).pipe(
        Effect.catchTag("Conflict", () => Effect.fail(new HttpError(409, "conflict", "A user with this email already exists.", { field: "email" })))
      )
      return (yield* store.getUser(user.uid)) ?? { ...user, ...patch }
    }))
    return Respond.send(c, Serialize.user(updated), User.csvColumns)
  })
  only(app, "/:uid/modify", ["GET", "POST"], "GET /api/users/<uid>/modify lists the options; POST to it changes your settings.")
  return app
}
