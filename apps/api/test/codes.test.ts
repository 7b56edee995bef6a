/** Confirmation codes for account delete and service reset: bound to user, action and object; expire; single use. */
import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T

const setup = async () => {
  const h = await H.make()
  const a = await h.addUser("a@example.com")
  const x = await H.addDemoAccount(h, a.token)
  const y = await H.addDemoAccount(h, a.token)
  await h.drain()
  const services = await json<Array<{ uid: string; account_uid: string }>>(h.request("/api/services.json", { token: a.token }))
  return { h, a, x, y, services }
}

const getCode = async (h: H.Harness, token: string, path: string) =>
  (await json<{ code: string; expires: string; help: string }>(h.request(`${path}.json`, { token }))).code

describe("confirmation codes", async () => {
  it("deletes an account with its code, cascading to services, bills and intervals", async () => {
    const { h, a, x, services } = await setup()
    const res = await h.request(`/api/accounts/${x.uid}/delete.json`, { token: a.token })
    const body = await json<{ code: string; expires: string; help: string }>(res)
    expect(body.help).toContain(`/api/accounts/${x.uid}/delete`)
    expect(body.expires).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/)
    const del = await h.request(`/api/accounts/${x.uid}/delete.json`, { method: "POST", token: a.token, form: { code: body.code } })
    expect(del.status).toBe(200)
    expect((await h.request(`/api/accounts/${x.uid}.json`, { token: a.token })).status).toBe(404)
    const gone = services.filter((s) => s.account_uid === x.uid)
    expect(gone.length).toBeGreaterThan(0)
    for (const s of gone) expect((await h.request(`/api/services/${s.uid}/intervals.json`, { token: a.token })).status).toBe(404)
    const left = await json<Array<{ account_uid: string }>>(h.request("/api/services.json", { token: a.token }))
    expect(left.every((s) => s.account_uid !== x.uid)).toBe(true)
    expect(left.length).toBe(services.length - gone.length)
  })

  it("refuses a missing, tampered, replayed, expired or misbound code with 400 and a clear message", async () => {
    const { h, a, x, y, services } = await setup()
    const post = (path: string, body: Record<string, string>) => h.request(`${path}.json`, { method: "POST", token: a.token, json: body })
    const delX = `/api/accounts/${x.uid}/delete`
    const delY = `/api/accounts/${y.uid}/delete`
    const missing = await post(delX, {})
    expect(missing.status).toBe(400)
    expect(await json(missing)).toMatchObject({ field: "code", message: expect.stringContaining(`GET ${delX}`) })

    const codeX = await getCode(h, a.token, delX)
    const last = codeX.at(-1) === "A" ? "B" : "A"
    const tampered = await post(delX, { code: codeX.slice(0, -1) + last })
    expect(await json(tampered)).toMatchObject({ error: "invalid_code" })

    const wrongObject = await post(delY, { code: codeX })
    expect(wrongObject.status).toBe(400)
    expect(await json(wrongObject)).toMatchObject({ error: "code_mismatch" })

    const svc = services[0]!.uid
    const resetCode = await getCode(h, a.token, `/api/services/${svc}/reset`)
    const wrongAction = await post(delX, { code: resetCode })
    expect(await json<{ message: string }>(wrongAction)).toMatchObject({ error: "code_mismatch", message: expect.stringContaining("resetting a service") })

    h.clock.now += 10 * 60 * 1000 + 1
    const expired = await post(delX, { code: codeX })
    expect(expired.status).toBe(400)
    expect(await json(expired)).toMatchObject({ error: "code_expired" })

    const fresh = await getCode(h, a.token, delY)
    expect((await post(delY, { code: fresh })).status).toBe(200)
    // Both accounts were never deleted by the wrong codes above: X is still there.
    expect((await h.request(`/api/accounts/${x.uid}.json`, { token: a.token })).status).toBe(200)
  })

  it("does not accept a code twice", async () => {
    const { h, a, services } = await setup()
    const path = `/api/services/${services[0]!.uid}/reset`
    const code = await getCode(h, a.token, path)
    expect((await h.request(`${path}.json`, { method: "POST", token: a.token, json: { code } })).status).toBe(200)
    const again = await h.request(`${path}.json`, { method: "POST", token: a.token, json: { code } })
    expect(again.status).toBe(400)
    expect(await json(again)).toMatchObject({ error: "code_used" })
  })

  it("does not accept another user's code for that user's object", async () => {
    const { h, a, x } = await setup()
    const b = await h.addUser("b@example.com")
    const bAccount = await H.addDemoAccount(h, b.token)
    const bCode = await getCode(h, b.token, `/api/accounts/${bAccount.uid}/delete`)
    // A cannot even see B's account; and A's own account does not take B's code.
    expect((await h.request(`/api/accounts/${bAccount.uid}/delete.json`, { method: "POST", token: a.token, json: { code: bCode } })).status).toBe(404)
    const res = await h.request(`/api/accounts/${x.uid}/delete.json`, { method: "POST", token: a.token, json: { code: bCode } })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ error: "code_mismatch" })
  })

  it("answers 429 after more than 5 wrong codes in 10 minutes", async () => {
    const { h, a, x } = await setup()
    const statuses: Array<number> = []
    for (let i = 0; i < 7; i++) {
      statuses.push((await h.request(`/api/accounts/${x.uid}/delete.json`, { method: "POST", token: a.token, json: { code: `bad.${i}` } })).status)
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429])
    const code = await getCode(h, a.token, `/api/accounts/${x.uid}/delete`)
    expect((await h.request(`/api/accounts/${x.uid}/delete.json`, { method: "POST", token: a.token, json: { code } })).status).toBe(429)
    h.clock.now += 10 * 60 * 1000 + 1
    const code2 = await getCode(h, a.token, `/api/accounts/${x.uid}/delete`)
    expect((await h.request(`/api/accounts/${x.uid}/delete.json`, { method: "POST", token: a.token, json: { code: code2 } })).status).toBe(200)
  })

  it("resets a service: active_until becomes now, bills and intervals are gone", async () => {
    const { h, a, services } = await setup()
    const s = services[0]!.uid
    const before = await json<{ bill_count: number; interval_count: number }>(h.request(`/api/services/${s}.json`, { token: a.token }))
    expect(before.interval_count).toBeGreaterThan(0)
    const code = await getCode(h, a.token, `/api/services/${s}/reset`)
    const res = await h.request(`/api/services/${s}/reset.json`, { method: "POST", token: a.token, json: { code } })
    expect(res.status).toBe(200)
    const after = await json<{ bill_count: number; interval_count: number; active_until: string }>(res)
    expect(after).toMatchObject({ bill_count: 0, interval_count: 0 })
    expect(await json(h.request(`/api/services/${s}/intervals.json`, { token: a.token }))).toEqual([])
    expect(await json(h.request(`/api/services/${s}/bills.json`, { token: a.token }))).toEqual([])
    const other = await json<{ interval_count: number }>(h.request(`/api/services/${services[1]!.uid}.json`, { token: a.token }))
    expect(other.interval_count).toBe(before.interval_count)
  })
})
