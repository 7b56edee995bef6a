import { describe, expect, it } from "vitest"
import { Timestamp } from "@meterbridge/core"
import * as H from "./harness.ts"
import * as Invites from "../src/shared/Invites.ts"
import * as Passwords from "../src/node/passwords.ts"
import * as Tokens from "../src/shared/Tokens.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T

const invite = async (h: H.Harness, expiresMs: number | null = null) => {
  const code = Invites.generate()
  await h.run(h.store.createInvite(await Invites.hash(code), Timestamp.fromMillis(Date.now()), expiresMs === null ? null : Timestamp.fromMillis(expiresMs)))
  return code
}

const signupForm = async (h: H.Harness) => {
  const res = await h.request("/api/users/new.json")
  expect(res.status).toBe(200)
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!
  const { csrf_token } = await json<{ csrf_token: string }>(res)
  return { cookie, csrf_token }
}

describe("users", () => {
  it("lists and shows only your own user, with the password masked", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    expect(await json(h.request("/api/users.json", { token: a.token }))).toEqual([
      { uid: a.uid, email: "a@example.com", password: "****", created: expect.stringMatching(/\+00:00$/) }
    ])
    expect(await json(h.request(`/api/users/${a.uid}.json`, { token: a.token }))).toMatchObject({ uid: a.uid })
    const foreign = await h.request(`/api/users/${b.uid}.json`, { token: a.token })
    const missing = await h.request("/api/users/nobody.json", { token: a.token })
    expect(foreign.status).toBe(404)
    expect(await foreign.text()).toBe(await missing.text())
    const post = await h.request("/api/users", { method: "POST", token: a.token, json: {} })
    expect(post.status).toBe(405)
    expect((await json<{ message: string }>(post)).message).toContain("/api/users/new")
  })

  it("signs up with an invite, the CSRF cookie and matching fields; the invite works once", async () => {
    const h = await H.make()
    const code = await invite(h)
    const { cookie, csrf_token } = await signupForm(h)
    const fields = { invite: code, email: "New@Example.com", password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
    const res = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: fields })
    expect(res.status).toBe(200)
    const user = await json<{ uid: string; email: string; password: string }>(res)
    expect(user).toMatchObject({ email: "new@example.com", password: "****" })
    const stored = await h.run(h.store.getUser(user.uid))
    expect(stored!.password_hash).toMatch(/^scrypt\$17\$8\$1\$/)
    expect(stored!.password_hash).not.toContain("correct horse")
    const again = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: { ...fields, email: "other@example.com" } })
    expect(again.status).toBe(400)
    expect(await json(again)).toMatchObject({ field: "invite" })
  })

  it("refuses sign-up without the CSRF cookie, with mismatched fields, or with an expired invite", async () => {
    const h = await H.make()
    const code = await invite(h)
    const { cookie, csrf_token } = await signupForm(h)
    const fields = { invite: code, email: "n@example.com", password: "correct horse battery", password_confirm: "correct horse battery", csrf_token }
    const noCookie = await h.request("/api/users/new.json", { method: "POST", form: fields })
    expect(noCookie.status).toBe(403)
    expect(await json(noCookie)).toMatchObject({ error: "csrf_failed" })
    const forged = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: "mb_csrf=abc.def" }, form: { ...fields, csrf_token: "abc.def" } })
    expect(forged.status).toBe(403)
    const mismatch = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: { ...fields, password_confirm: "something else entirely" } })
    expect(await json(mismatch)).toMatchObject({ field: "password_confirm" })
    const short = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: { ...fields, password: "short", password_confirm: "short" } })
    expect(await json(short)).toMatchObject({ field: "password" })
    const expired = await invite(h, Date.now() - 1000)
    const late = await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: { ...fields, invite: expired } })
    expect(late.status).toBe(400)
    expect(await json(late)).toMatchObject({ field: "invite" })
  })

  it("user modify requires the current password", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const options = await json<{ fields: Array<{ name: string }> }>(h.request(`/api/users/${a.uid}/modify.json`, { token: a.token }))
    expect(options.fields.map((f) => f.name)).toContain("new_password")
    const none = await h.request(`/api/users/${a.uid}/modify.json`, { method: "POST", token: a.token, json: { email: "x@example.com" } })
    expect(none.status).toBe(400)
    expect(await json(none)).toMatchObject({ field: "password" })
    const wrong = await h.request(`/api/users/${a.uid}/modify.json`, { method: "POST", token: a.token, json: { password: "guess", email: "x@example.com" } })
    expect(wrong.status).toBe(403)
  })
})

describe("user modify", () => {
  const OLD = "the old password 1"
  const NEW = "the new password 2"
  /** A user signed up with password OLD (the harness's users have none). */
  const withPassword = async (h: H.Harness, email: string) => {
    const a = await h.addUser(email)
    await h.run(h.store.updateUser(a.uid, { password_hash: await Passwords.hash(OLD) }))
    return a
  }
  const modify = (h: H.Harness, a: { uid: string; token: string }, fields: Record<string, string>) =>
    h.request(`/api/users/${a.uid}/modify.json`, { method: "POST", token: a.token, form: fields })

  it("changes email and password with the current password; the old ones stop working", async () => {
    const h = await H.make()
    const a = await withPassword(h, "a@example.com")
    const res = await modify(h, a, { password: OLD, email: "  New@Example.COM ", new_password: NEW, new_password_confirm: NEW })
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ uid: a.uid, email: "new@example.com", password: "****", created: expect.stringMatching(/\+00:00$/) })
    const stored = (await h.run(h.store.getUser(a.uid)))!
    expect(stored.email).toBe("new@example.com")
    expect(await Passwords.verify(NEW, stored.password_hash)).toBe(true)
    expect(await Passwords.verify(OLD, stored.password_hash)).toBe(false)
    expect(await h.run(h.store.findUserByEmail("a@example.com"))).toBeUndefined()
    expect(await json(h.request("/api/users.json", { token: a.token }))).toEqual([expect.objectContaining({ email: "new@example.com" })])

    const stale = await modify(h, a, { password: OLD, email: "third@example.com" })
    expect(stale.status).toBe(403)
    expect(await json(stale)).toMatchObject({ error: "wrong_password" })
    const emailOnly = await modify(h, a, { password: NEW, email: "third@example.com" })
    expect(await json(emailOnly)).toMatchObject({ email: "third@example.com" })
    expect(await Passwords.verify(NEW, (await h.run(h.store.getUser(a.uid)))!.password_hash)).toBe(true)
  })

  it("refuses bad input with a 400 naming the field, and changes nothing", async () => {
    const h = await H.make()
    const a = await withPassword(h, "a@example.com")
    const before = await h.run(h.store.getUser(a.uid))
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ password: OLD, allow_owner: "some-admin-token" }, "allow_owner", "not supported"],
      [{ password: OLD, email: "not an email" }, "email", "not an email address"],
      [{ password: OLD, new_password: NEW }, "new_password_confirm", "required"],
      [{ password: OLD, new_password: NEW, new_password_confirm: `${NEW}!` }, "new_password_confirm", "does not match"],
      [{ password: OLD, new_password: "short", new_password_confirm: "short" }, "new_password", "at least 10 characters"],
      [{ password: OLD, new_password_confirm: NEW }, "new_password", "new_password"],
      [{ email: "x@example.com" }, "password", "required"]
    ]
    for (const [fields, field, message] of cases) {
      const res = await modify(h, a, fields)
      expect(res.status, JSON.stringify(fields)).toBe(400)
      const body = await json<{ error: string; message: string; field: string }>(res)
      expect(body, JSON.stringify(fields)).toMatchObject({ field, error: expect.stringMatching(/^(invalid|missing)_field$/) })
      expect(body.message).toContain(message)
    }
    expect(await h.run(h.store.getUser(a.uid))).toEqual(before)
  })

  it("refuses a wrong current password, or a user who has none, with 403", async () => {
    const h = await H.make()
    const a = await withPassword(h, "a@example.com")
    const before = await h.run(h.store.getUser(a.uid))
    const wrong = await modify(h, a, { password: NEW, email: "x@example.com", new_password: NEW, new_password_confirm: NEW })
    expect(wrong.status).toBe(403)
    expect(await json(wrong)).toEqual({ error: "wrong_password", message: "The current password is not correct." })
    expect(await h.run(h.store.getUser(a.uid))).toEqual(before)
    const tokenOnly = await h.addUser("t@example.com")
    const none = await modify(h, tokenOnly, { password: OLD, email: "y@example.com" })
    expect(none.status).toBe(403)
    expect((await json<{ message: string }>(none)).message).toContain("no password")
    expect((await h.run(h.store.getUser(tokenOnly.uid)))!.email).toBe("t@example.com")
  })

  it("answers 409 for another user's email (in any case) and keeps both users as they were", async () => {
    const h = await H.make()
    const a = await withPassword(h, "a@example.com")
    const b = await h.addUser("b@example.com")
    const before = await h.run(h.store.getUser(a.uid))
    const taken = await modify(h, a, { password: OLD, email: "B@Example.com", new_password: NEW, new_password_confirm: NEW })
    expect(taken.status).toBe(409)
    expect(await json(taken)).toMatchObject({ error: "conflict", field: "email" })
    expect(await h.run(h.store.getUser(a.uid))).toEqual(before)
    expect((await h.run(h.store.findUserByEmail("b@example.com")))!.uid).toBe(b.uid)
    const own = await modify(h, a, { password: OLD, email: "A@example.com" })
    expect(own.status).toBe(200)
    expect(await json(own)).toMatchObject({ uid: a.uid, email: "a@example.com" })
  })
})

describe("tokens", () => {
  it("lists and shows your tokens without their secrets", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    const list = await h.request("/api/tokens.json", { token: a.token })
    const text = await list.text()
    expect(text).not.toContain(a.token)
    expect(JSON.parse(text)).toEqual([
      { uid: a.tokenUid, type: "api", created: expect.any(String), expires: null, user_uid: a.uid, request_count: 1, signup_count: 0 }
    ])
    for (const [method, suffix] of [["GET", ""], ["GET", "/modify"], ["POST", "/modify"]] as const) {
      const init = { method, token: a.token, ...(method === "POST" ? { json: { expires: "2020-01-01T00:00:00Z" } } : {}) }
      const foreign = await h.request(`/api/tokens/${b.tokenUid}${suffix}.json`, init)
      const missing = await h.request(`/api/tokens/00000000000000000000000000000000${suffix}.json`, init)
      expect(foreign.status).toBe(404)
      expect(await foreign.text()).toBe(await missing.text())
    }
    // B's token was not expired by A's attempt.
    expect((await h.request("/api/users.json", { token: b.token })).status).toBe(200)
    for (const suffix of ["", "/modify"]) {
      const foreign = await h.request(`/api/users/${b.uid}${suffix}.json`, { token: a.token })
      expect(foreign.status).toBe(404)
    }
  })

  it("POST /tokens/new answers 403 explaining browser sessions and the CLI", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const options = await h.request("/api/tokens/new.json", { token: a.token })
    expect(options.status).toBe(200)
    const res = await h.request("/api/tokens/new.json", { method: "POST", token: a.token, json: { type: "api" } })
    expect(res.status).toBe(403)
    const err = await json<{ error: string; message: string }>(res)
    expect(err.error).toBe("browser_session_required")
    expect(err.message).toContain("meterbridge tokens create")
    const post = await h.request("/api/tokens", { method: "POST", token: a.token, json: {} })
    expect(post.status).toBe(405)
    expect((await json<{ message: string }>(post)).message).toContain("/api/tokens/new")
  })

  it("a browser session can create an API token, shown once, that works", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const { secret: session } = await h.run(Tokens.create(a.uid, { type: "browser", now: Timestamp.fromMillis(Date.now()) }))
    const res = await h.request("/api/tokens/new.json", { method: "POST", token: session, json: { type: "api", expires: "2099-01-01T00:00:00Z" } })
    expect(res.status).toBe(200)
    const created = await json<{ uid: string; type: string; expires: string; token: string }>(res)
    expect(created).toMatchObject({ type: "api", expires: "2099-01-01T00:00:00.000000+00:00" })
    expect((await h.request("/api/users.json", { token: created.token })).status).toBe(200)
    const shown = await (await h.request(`/api/tokens/${created.uid}.json`, { token: created.token })).text()
    expect(shown).not.toContain(created.token)
    const bad = await h.request("/api/tokens/new.json", { method: "POST", token: session, json: { type: "root" } })
    expect(await json(bad)).toMatchObject({ field: "type" })
  })

  it("an expires in the past, set through modify, expires the token at once", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const options = await json<{ fields: Array<{ name: string }> }>(h.request(`/api/tokens/${a.tokenUid}/modify.json`, { token: a.token }))
    expect(options.fields.map((f) => f.name)).toEqual(["expires"])
    const bad = await h.request(`/api/tokens/${a.tokenUid}/modify.json`, { method: "POST", token: a.token, json: { expires: "2014-01-01T01:01:01PM" } })
    expect(await json(bad)).toMatchObject({ field: "expires" })
    const res = await h.request(`/api/tokens/${a.tokenUid}/modify.json`, { method: "POST", token: a.token, json: { expires: "2020-01-01T00:00:00Z" } })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ expires: "2020-01-01T00:00:00.000000+00:00" })
    expect((await h.request("/api/users.json", { token: a.token })).status).toBe(401)
  })
})

describe("docs", () => {
  it("serves a Doc tree naming every endpoint and the error format", async () => {
    const h = await H.make()
    const doc = await json<{ type: string; title: string; anchor: string; contents: Array<unknown> }>(h.request("/api/docs.json"))
    const titles: Array<string> = []
    const walk = (d: { type: string; title: string; anchor: string; contents: Array<unknown> }) => {
      expect(d.type).toBe("section")
      expect(typeof d.anchor).toBe("string")
      titles.push(d.title)
      for (const c of d.contents) if (typeof c !== "string") walk(c as typeof d)
    }
    walk(doc)
    for (const t of ["GET /api/accounts", "POST /api/accounts/add", "POST /api/accounts/<uid>/delete", "GET /api/services/<uid>/intervals", "POST /api/services/<uid>/reset", "POST /api/users/new", "POST /api/tokens/<uid>/modify", "Errors"]) {
      expect(titles).toContain(t)
    }
    expect(JSON.stringify(doc)).toContain("\\\"error\\\": \\\"<machine_code>\\\"")
  })
})
