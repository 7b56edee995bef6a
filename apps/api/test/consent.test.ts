/** Consent-based utilities through the API: Green Button Connect (OAuth callback) and SMT (registration gating). */
import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T

describe("Green Button Connect through the API", () => {
  for (const utility of ["PG&E", "SCE", "SDG&E"]) {
    it(`${utility}: add answers pending with authorization_url; the callback completes it and data is collected`, async () => {
      const h = await H.make()
      const a = await h.addUser("a@example.com")
      const res = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: { utility, auth_type: "owner", real_name: "Jane" } })
      expect(res.status).toBe(200)
      const account = await json<{ uid: string; login: string; latest: { type: string }; authorization_url: string }>(res)
      expect(account.login).toBe("green_button_connect")
      expect(account.latest.type).toBe("pending")
      expect(account.authorization_url).toContain(`/sandbox/`)
      const callback = await H.approveConsent(h, account.authorization_url)
      // The customer's browser has no API token.
      const page = await h.app.request(`${H.BASE}${callback}`)
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(await page.text()).toContain("authorized")
      const replay = await h.app.request(`${H.BASE}${callback}`)
      expect(replay.status).toBe(404)
      await h.drain()
      const after = await json<{ latest: { type: string }; authorization_url?: string }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))
      expect(after.latest.type).toBe("updated")
      expect(after.authorization_url).toBeUndefined()
      const services = await json<Array<{ uid: string; interval_count: number; bill_count: number; latest: { type: string } }>>(
        h.request("/api/services.json", { token: a.token })
      )
      expect(services.length).toBeGreaterThan(0)
      for (const s of services) {
        expect(s.latest.type).toBe("updated")
        const intervals = await json<Array<unknown>>(h.request(`/api/services/${s.uid}/intervals.json`, { token: a.token }))
        expect(intervals.length).toBe(s.interval_count)
      }
    }, 120_000)
  }

  it("modifying the signature of an authorized account keeps its consent (no new authorization_url)", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const account = await json<{ uid: string; authorization_url: string }>(
      h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: { utility: "SCE", auth_type: "owner", real_name: "Jane" } })
    )
    await h.app.request(`${H.BASE}${await H.approveConsent(h, account.authorization_url)}`)
    await h.drain()
    const res = await h.request(`/api/accounts/${account.uid}/modify.json`, { method: "POST", token: a.token, json: { auth_type: "owner", real_name: "Jane Q. Public" } })
    expect(res.status).toBe(200)
    const modified = await json<{ auth: string; authorization_url?: string; latest: { type: string } }>(res)
    expect(modified.auth).toBe("Jane Q. Public")
    expect(modified.authorization_url).toBeUndefined()
    await h.drain()
    const after = await json<{ latest: { type: string } }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))
    expect(after.latest.type).toBe("updated")
  }, 120_000)

  it("a declined consent leaves the account in error and the page says so", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const account = await json<{ uid: string; authorization_url: string }>(
      h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: { utility: "SCE", auth_type: "owner", real_name: "Jane" } })
    )
    const callback = await H.approveConsent(h, account.authorization_url, "decline")
    const page = await h.app.request(`${H.BASE}${callback}`)
    expect(await page.text()).toContain("declined")
    const after = await json<{ latest: { type: string } }>(h.request(`/api/accounts/${account.uid}.json`, { token: a.token }))
    expect(after.latest.type).toBe("error")
  })

  it("an unknown state answers an HTML page, not a stack trace", async () => {
    const h = await H.make()
    const res = await h.app.request(`${H.BASE}/api/oauth/callback?code=x&state=nope`)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain("unknown or was already used")
  })
})

describe("SMT registration", () => {
  it("shows pending until the operator sets live; a real ESIID is refused with 403 while pending", async () => {
    const h = await H.make()
    const a = await h.addUser("a@example.com")
    const regs = await json<Array<{ utility: string; status: string }>>(h.request("/api/registrations.json", { token: a.token }))
    expect(regs).toEqual([{ utility: "SMT", name: expect.any(String), status: "pending" }])
    const options = await json<{ options: Array<{ utility: string; registration?: string }> }>(h.request("/api/accounts/add.json", { token: a.token }))
    expect(options.options.find((o) => o.utility === "SMT")!.registration).toBe("pending")
    expect(options.options.find((o) => o.utility === "DEMO")!.registration).toBeUndefined()
    const fields = { utility: "SMT", auth_type: "owner", real_name: "Tex", esiid: "10443720001234567", meter_number: "123456789LG", rep: "Reliant", email: "tex@example.com" }
    const refused = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: fields })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ error: "registration_not_live" })
    await h.run(h.store.setRegistration(a.uid, "SMT", "live"))
    const live = await json<Array<{ status: string }>>(h.request("/api/registrations.json", { token: a.token }))
    expect(live[0]!.status).toBe("live")
    const test = await h.request("/api/accounts/add.json", { method: "POST", token: a.token, json: { ...fields, esiid: "123456789" } })
    expect(test.status).toBe(200)
  })
})
