import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T

describe("accounts", () => {
  it("GET /accounts/add lists DEMO with its access fields", async () => {
    const h = await H.make()
    const u = await h.addUser("a@example.com")
    const body = await json<{ options: Array<{ utility: string; allows: Array<string>; options: Array<Array<{ name: string }>> }> }>(
      h.request("/api/accounts/add.json", { token: u.token })
    )
    const demo = body.options.find((o) => o.utility === "DEMO")!
    expect(demo.allows).toEqual(["owner", "3rdparty"])
    expect(demo.options[0]!.map((f) => f.name)).toEqual(["utility_username", "utility_password"])
  })

  it("adds an account from JSON or form fields and lists only the caller's accounts", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    const one = await H.addDemoAccount(h, a.token)
    const res = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      form: { utility: "DEMO", auth_type: "owner", real_name: "Jane Roe", utility_username: "test", utility_password: "test", uid: "mine", user_uid: b.uid, created: "2000-01-01T00:00:00Z" }
    })
    expect(res.status).toBe(200)
    const two = await json<{ uid: string; user_uid: string; created: string; auth: string; login: string }>(res)
    expect(two.uid).not.toBe("mine")
    expect(two.user_uid).toBe(a.uid)
    expect(two.created).not.toBe("2000-01-01T00:00:00.000000+00:00")
    expect(two.auth).toBe("Jane Roe")
    expect(two.login).toBe("credentials")
    const listA = await json<Array<{ uid: string }>>(h.request("/api/accounts.json", { token: a.token }))
    expect(listA.map((x) => x.uid).sort()).toEqual([one.uid, two.uid].sort())
    expect(await json(h.request("/api/accounts.json", { token: b.token }))).toEqual([])
  })

  it("never returns the utility password, and stores it only sealed", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const res = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      json: { utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test", utility_password: "canary-Pa55word" }
    })
    const text = await res.text()
    expect(text).not.toContain("canary-Pa55word")
    const { uid } = JSON.parse(text) as { uid: string }
    const stored = await h.run(h.store.getAccount(uid))
    expect(JSON.stringify(stored)).not.toContain("canary-Pa55word")
    expect(stored!.sealed_grant).toMatch(/^v1\./)
  })

  it("stores an account with wrong utility credentials with an error log", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const res = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      json: { utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test", utility_password: "wrong" }
    })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ latest: { type: "error" } })
  })

  it.each([
    [{ auth_type: "owner", real_name: "J", utility_username: "test", utility_password: "test" }, "utility"],
    [{ utility: "NOPE", auth_type: "owner", real_name: "J" }, "utility"],
    [{ utility: "DEMO", real_name: "J", utility_username: "test", utility_password: "test" }, "auth_type"],
    [{ utility: "DEMO", auth_type: "boss", real_name: "J", utility_username: "test", utility_password: "test" }, "auth_type"],
    [{ utility: "DEMO", auth_type: "owner", utility_username: "test", utility_password: "test" }, "real_name"],
    [{ utility: "DEMO", auth_type: "3rdparty", utility_username: "test", utility_password: "test" }, "3rdparty_file"],
    [{ utility: "DEMO", auth_type: "3rdparty", "3rdparty_file": "%%%", utility_username: "test", utility_password: "test" }, "3rdparty_file"],
    [{ utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test" }, "utility_password"]
  ])("rejects %j naming the field %s, and stores nothing", async (body, field) => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const res = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: body })
    expect(res.status).toBe(400)
    const err = await json<{ error: string; message: string; field: string }>(res)
    expect(err.field).toBe(field)
    expect(err.message.length).toBeGreaterThan(10)
    expect(await json(h.request("/api/accounts.json", { token: a.token }))).toEqual([])
  })

  it("accepts a base64 third-party form", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const res = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      json: { utility: "DEMO", auth_type: "3rdparty", "3rdparty_file": btoa("%PDF-1.4 signed form"), utility_username: "test", utility_password: "test" }
    })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ auth_type: "3rdparty", auth: expect.stringContaining("sha256") })
  })

  it("answers another user's account exactly like a missing one, on every account route", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const b = await h.addUser("b@example.com")
    const acct = await H.addDemoAccount(h, a.token)
    for (const [method, suffix] of [["GET", ""], ["GET", "/modify"], ["POST", "/modify"], ["GET", "/delete"], ["POST", "/delete"]] as const) {
      const foreign = await h.request(`/api/accounts/${acct.uid}${suffix}.json`, { method, token: b.token, ...(method === "POST" ? { json: {} } : {}) })
      const missing = await h.request(`/api/accounts/0000000000000000${suffix}.json`, { method, token: b.token, ...(method === "POST" ? { json: {} } : {}) })
      expect(foreign.status).toBe(404)
      expect(await foreign.text()).toBe(await missing.text())
    }
  })

  it("answers the reference's unused endpoints with 405 naming the endpoint to use", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const acct = await H.addDemoAccount(h, a.token)
    const list = await h.request("/api/accounts.json", { method: "POST", token: a.token, json: {} })
    expect(list.status).toBe(405)
    expect((await json<{ message: string }>(list)).message).toContain("/api/accounts/add")
    const one = await h.request(`/api/accounts/${acct.uid}`, { method: "POST", token: a.token, json: {} })
    expect(one.status).toBe(405)
    expect(one.headers.get("Allow")).toContain("GET")
    expect((await json<{ message: string }>(one)).message).toContain("/api/accounts/<uid>/modify")
  })

  it("modifies the authorization and, by default, looks up services again", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const acct = await H.addDemoAccount(h, a.token)
    await h.drain()
    const options = await json<{ fields: Array<{ name: string }> }>(h.request(`/api/accounts/${acct.uid}/modify.json`, { token: a.token }))
    expect(options.fields.map((f) => f.name)).toContain("update_services")
    const res = await h.request(`/api/accounts/${acct.uid}/modify.json`, { method: "POST", token: a.token, json: { auth_type: "owner", real_name: "New Name" } })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ auth: "New Name" })
    expect((await h.run(h.store.listJobs)).filter((j) => j.kind === "account" && j.target_uid === acct.uid).length).toBe(1)
    const quiet = await h.request(`/api/accounts/${acct.uid}/modify.json`, {
      method: "POST",
      token: a.token,
      form: { real_name: "X", auth_type: "owner", update_services: "false", update_data: "false" }
    })
    expect(quiet.status).toBe(200)
    const bad = await h.request(`/api/accounts/${acct.uid}/modify.json`, { method: "POST", token: a.token, json: { update_services: "maybe" } })
    expect(bad.status).toBe(400)
    expect(await json(bad)).toMatchObject({ field: "update_services" })
  })
})
