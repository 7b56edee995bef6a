/**
 * The dashboard over HTTP (no browser): sign-in with lockout, CSRF, sessions
 * that are browser tokens, the pages over real collected DEMO data, the
 * downsampled series, CSV downloads, customer links and API tokens.
 */
import { describe, expect, it } from "vitest"
import { parse } from "csv-parse/sync"
import { Timestamp } from "@meterbridge/core"
import { scryptPasswords } from "../src/node/passwords.ts"
import * as H from "./harness.ts"

const PASSWORD = "correct horse battery"

/** A cookie jar of one: what a browser would send back. */
const cookies = () => {
  const jar = new Map<string, string>()
  return {
    take: (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair = ""] = c.split(";")
        const i = pair.indexOf("=")
        const value = pair.slice(i + 1)
        if (value === "" || /max-age=0/i.test(c)) jar.delete(pair.slice(0, i))
        else jar.set(pair.slice(0, i), value)
      }
      return res
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
    get: (name: string) => jar.get(name)
  }
}

const field = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1]

export const signIn = async (h: H.Harness, email: string, password: string) => {
  const jar = cookies()
  const form = await jar.take(await h.request("/login"))
  const csrf = field(await form.text(), "csrf_token")!
  const res = jar.take(await h.request("/login", { method: "POST", headers: { cookie: jar.header() }, form: { email, password, csrf_token: csrf } }))
  return { jar, res }
}

describe("dashboard", async () => {
  const h = await H.make()
  const u = await h.addUser("ops@example.com")
  await h.run(h.store.updateUser(u.uid, { password_hash: await scryptPasswords.hash(PASSWORD) }))
  const other = await h.addUser("other@example.com")
  const added = await H.addDemoAccount(h, u.token)
  await h.drain()
  const services = (await (await h.request("/api/services.json", { token: u.token })).json()) as Array<{ uid: string; interval_count: number; bill_count: number; interval_coverage: Array<[string, string]> }>
  const meter = services[0]!

  const get = (jar: ReturnType<typeof cookies>, path: string) => h.request(path, { headers: { cookie: jar.header() } })

  it("sends a visitor without a session to the sign-in page, and back after signing in", async () => {
    const res = await h.request(`/dashboard/meters/${meter.uid}`)
    expect(res.status).toBe(303)
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(`/dashboard/meters/${meter.uid}`)}`)
    const { res: signedIn, jar } = await signIn(h, "OPS@example.com", PASSWORD)
    expect(signedIn.status).toBe(303)
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith("mb_session="))!
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    const page = await get(jar, "/dashboard")
    expect(page.status).toBe(200)
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'")
  })

  it("refuses a wrong password, and locks the email out after five failures even for the right one", async () => {
    const email = "locked@example.com"
    const v = await h.addUser(email)
    await h.run(h.store.updateUser(v.uid, { password_hash: await scryptPasswords.hash(PASSWORD) }))
    for (let i = 1; i <= 4; i++) expect((await signIn(h, email, "wrong password!")).res.status).toBe(401)
    expect((await signIn(h, email, "wrong password!")).res.status).toBe(429)
    const locked = await signIn(h, email, PASSWORD)
    expect(locked.res.status).toBe(429)
    expect(locked.jar.get("mb_session")).toBeUndefined()
    // The window lapses: the right password works again.
    h.clock.now += 16 * 60_000
    try {
      expect((await signIn(h, email, PASSWORD)).res.status).toBe(303)
    } finally {
      h.clock.now -= 16 * 60_000
    }
  })

  it("refuses a sign-in without the form's CSRF token", async () => {
    const res = await h.request("/login", { method: "POST", form: { email: "ops@example.com", password: PASSWORD, csrf_token: "x.y" } })
    expect(res.status).toBe(403)
    expect(res.headers.getSetCookie().some((c) => c.startsWith("mb_session="))).toBe(false)
  })

  it("lists the authorization and its meters with their counts, and filters them", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const page = await (await get(jar, "/dashboard")).text()
    expect(page).toContain(`/dashboard/authorizations/${added.uid}`)
    for (const s of services) {
      expect(page).toContain(`/dashboard/meters/${s.uid}`)
      expect(page).toContain(s.interval_count.toLocaleString("en-US"))
    }
    const none = await (await get(jar, "/dashboard?utility=SCE")).text()
    expect(none).not.toContain(`/dashboard/authorizations/${added.uid}`)
    expect(none).toContain("0 of 1 authorizations")
    const detail = await get(jar, `/dashboard/authorizations/${added.uid}`)
    expect(detail.status).toBe(200)
  })

  it("shows nothing of another user's", async () => {
    const otherAccount = await H.addDemoAccount(h, other.token)
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    expect((await get(jar, `/dashboard/authorizations/${otherAccount.uid}`)).status).toBe(404)
    expect((await get(jar, "/dashboard")).status).toBe(200)
    expect(await (await get(jar, "/dashboard")).text()).not.toContain(otherAccount.uid)
  })

  it("serves the series downsampled: one point per reading for a day, at most the cap for everything", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const end = Timestamp.parse(meter.interval_coverage.at(-1)![1])! / 1e6
    const dayStart = end - 86_400
    const day = (await (await get(jar, `/dashboard/meters/${meter.uid}/series.json?start=${dayStart}&end=${end}`)).json()) as {
      t: Array<number>
      delivered: Array<number | null>
      step_seconds: number
    }
    expect(day.step_seconds).toBe(900)
    expect(day.t.length).toBe(96)
    // Each point is the reading's kWh per hour: compare with the API's own intervals for that day.
    const api = (await (await h.request(`/api/services/${meter.uid}/intervals.json?start=${new Date(dayStart * 1000).toISOString()}&end=${new Date(end * 1000).toISOString()}`, { token: u.token })).json()) as Array<{ interval_start: string; interval_kWh: number }>
    const byStart = new Map(api.map((i) => [Timestamp.parse(i.interval_start)! / 1e6, i.interval_kWh * 4]))
    day.t.forEach((t, i) => expect(day.delivered[i]).toBeCloseTo(byStart.get(t)!, 3))

    const all = (await (await get(jar, `/dashboard/meters/${meter.uid}/series.json`)).json()) as { t: Array<number>; readings: { delivered: number } }
    expect(all.t.length).toBeLessThanOrEqual(1500)
    expect(all.t.length).toBeGreaterThan(1000)
    expect(all.readings.delivered).toBe(meter.interval_count)
  })

  it("renders the meter page with totals, bills with line items, and CSV downloads that match the API", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const page = await (await get(jar, `/dashboard/meters/${meter.uid}`)).text()
    expect(page).toContain('id="usage-chart"')
    expect(page).toContain("Monthly totals")
    expect(page).toContain("line items")
    const csv = parse(await (await get(jar, `/dashboard/meters/${meter.uid}/intervals.csv?flow=delivered`)).text(), { columns: true }) as Array<unknown>
    expect(csv.length).toBe(meter.interval_count)
    const apiCsv = await (await h.request(`/api/services/${meter.uid}/bills.csv`, { token: u.token })).text()
    expect(await (await get(jar, `/dashboard/meters/${meter.uid}/bills.csv`)).text()).toBe(apiCsv)
  })

  it("creates a customer link that opens the hosted form, and an API token that authenticates", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const page = await (await get(jar, "/dashboard/request")).text()
    const csrf = field(page, "csrf_token")!
    const created = await (await h.request("/dashboard/request", { method: "POST", headers: { cookie: jar.header() }, form: { csrf_token: csrf, utility: "DEMO", expires: "1y" } })).text()
    const link = /id="new-link" class="copy" type="text" readonly value="([^"]+)"/.exec(created)![1]!.replaceAll("&amp;", "&")
    expect(link.startsWith(`${H.BASE}/authorize/`)).toBe(true)
    expect((await h.app.request(link)).status).toBe(200)

    const tokens = await (await h.request("/dashboard/tokens", { method: "POST", headers: { cookie: jar.header() }, form: { csrf_token: csrf, type: "api" } })).text()
    const secret = /id="new-secret" class="copy" type="text" readonly value="([^"]+)"/.exec(tokens)![1]!
    expect((await h.request("/api/accounts.json", { token: secret })).status).toBe(200)

    // Without the CSRF token nothing is created.
    const forged = await h.request("/dashboard/tokens", { method: "POST", headers: { cookie: jar.header() }, form: { type: "api" } })
    expect(forged.status).toBe(403)
  })

  it("is a browser session POST /api/tokens/new accepts, and signing out ends it", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const session = jar.get("mb_session")!
    const created = await h.request("/api/tokens/new.json", { method: "POST", token: session, json: { type: "api" } })
    expect(created.status).toBe(200)
    const csrf = field(await (await get(jar, "/dashboard")).text(), "csrf_token")!
    const out = await h.request("/logout", { method: "POST", headers: { cookie: jar.header() }, form: { csrf_token: csrf } })
    expect(out.status).toBe(303)
    expect((await h.request("/dashboard", { headers: { cookie: `mb_session=${session}` } })).status).toBe(303)
    expect((await h.request("/api/tokens.json", { token: session })).status).toBe(401)
  })

  it("shows the operator pages to the first user only", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const page = await (await get(jar, "/dashboard/operator")).text()
    expect(page).toContain("other@example.com")
    await h.run(h.store.updateUser(other.uid, { password_hash: await scryptPasswords.hash(PASSWORD) }))
    const second = await signIn(h, "other@example.com", PASSWORD)
    expect((await get(second.jar, "/dashboard/operator")).status).toBe(403)
  })

  it("manages webhook endpoints: adds one (secret shown once), pings it, and keeps another user's out", async () => {
    const { jar } = await signIn(h, "ops@example.com", PASSWORD)
    const page = await (await get(jar, "/dashboard/webhooks")).text()
    const csrf = field(page, "csrf_token")!
    const post = (path: string, form: Record<string, string>) => h.request(path, { method: "POST", headers: { cookie: jar.header() }, form: { csrf_token: csrf, ...form } })
    const added = await (await post("/dashboard/webhooks", { url: "http://127.0.0.1:9/hook" })).text()
    const secret = /id="new-secret"[^>]*value="(whsec_[^"]+)"/.exec(added)?.[1]
    expect(secret).toMatch(/^whsec_/)
    expect(await (await get(jar, "/dashboard/webhooks")).text()).not.toContain(secret)
    const hooks = (await (await h.request("/api/v2/webhooks", { token: u.token })).json()) as { webhooks: Array<{ uid: string; url: string }> }
    expect(hooks.webhooks.map((w) => w.url)).toEqual(["http://127.0.0.1:9/hook"])
    const pinged = await post(`/dashboard/webhooks/${hooks.webhooks[0]!.uid}/ping`, {})
    expect(await pinged.text()).toContain("Ping queued")
    const events = (await (await h.request("/api/v2/events", { token: u.token })).json()) as { events: Array<{ type: string }> }
    expect(events.events.some((e) => e.type === "ping")).toBe(true)
    const refused = await (await post("/dashboard/webhooks", { url: "ftp://example.com/x" })).text()
    expect(refused).toContain('role="alert"')
    await h.run(h.store.updateUser(other.uid, { password_hash: await scryptPasswords.hash(PASSWORD) }))
    const second = await signIn(h, "other@example.com", PASSWORD)
    const foreign = await h.request(`/dashboard/webhooks/${hooks.webhooks[0]!.uid}/ping`, {
      method: "POST",
      headers: { cookie: second.jar.header() },
      form: { csrf_token: field(await (await get(second.jar, "/dashboard/webhooks")).text(), "csrf_token")! }
    })
    expect(foreign.status).toBe(404)
  })
})
