/**
 * The customer's hosted authorization page through `app.request`, as a
 * browser without JavaScript uses it: GET the form, POST it with the CSRF
 * cookie, follow the redirects (DEMO, PG&E's consent, SMT's test ESIID).
 */
import { describe, expect, it } from "vitest"
import * as H from "./harness.ts"

type Json = Record<string, any>

/** A cookie jar of one: the form's CSRF cookie. */
const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0]!

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]

describe("the hosted authorization page", async () => {
  const h = await H.make()
  const alice = await h.addUser("alice@example.com")
  const v2 = async (path: string, json?: unknown) =>
    (await (await h.app.request(`${H.BASE}/api/v2${path}`, {
      method: json === undefined ? "GET" : "POST",
      headers: { Authorization: `Bearer ${alice.token}` },
      ...(json === undefined ? {} : { body: JSON.stringify(json) })
    })).json()) as Json
  const template = await v2("/templates", { company_name: "Acme Solar", description: "Sizing your solar system", redirect_uris: ["https://acme.example/back", "https://acme.example/other?x=1"] })

  /** Opens the form (optionally preselecting a utility) and submits `fields`; returns the POST's response. */
  const submit = async (formUrl: string, fields: Record<string, string>, query = "") => {
    const page = await h.app.request(`${formUrl}${query}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replaceAll("&amp;", "&")
    const body = new URLSearchParams({ csrf_token: hidden(html, "csrf_token")!, ...fields })
    return h.app.request(new URL(action, formUrl).toString(), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookieOf(page) },
      body: body.toString()
    })
  }

  it("shows who asks, what is shared and until when, and lists the utilities to pick from", async () => {
    const form = await v2("/forms", { template_uid: template["uid"], scope: { expires: "1y" } })
    // The end is counted on the app's clock, as the authorization itself will be.
    const realNow = h.clock.now
    h.clock.now = Date.UTC(2031, 6, 15, 12)
    const res = await h.app.request(form["url"])
    h.clock.now = realNow
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/text\/html/)
    expect(res.headers.get("x-frame-options")).toBe("DENY")
    const html = await res.text()
    expect(html).toContain("Acme Solar")
    expect(html).toContain("Sizing your solar system")
    expect(html).toContain("until 2032-07-15")
    for (const utility of ["DEMO", "PG&amp;E", "SCE", "SDG&amp;E", "SMT"]) expect(html).toContain(`(${utility})`)
    // The picker is plain links: it works without JavaScript and by keyboard.
    expect(html).toMatch(/<a href="\?f=[^"]+&amp;utility=DEMO">/)
  })

  it("DEMO: the customer signs, is redirected with referral and state, and the authorization waits for historical collection", async () => {
    const form = await v2("/forms", { template_uid: template["uid"] })
    const res = await submit(form["url"], {
      utility: "DEMO", utility_username: "test", utility_password: "test", signature: "Pat Customer", consent: "yes", action: "authorize"
    }, "&utility=DEMO&state=xyz%20123&redirect_uri=https%3A%2F%2Facme.example%2Fother%3Fx%3D1")
    expect(res.status).toBe(303)
    const location = new URL(res.headers.get("location")!)
    expect(`${location.origin}${location.pathname}`).toBe("https://acme.example/other")
    expect(location.searchParams.get("x")).toBe("1")
    expect(location.searchParams.get("state")).toBe("xyz 123")
    const referral = location.searchParams.get("referral")!
    const found = await v2(`/authorizations?referrals=${referral}`)
    expect(found["authorizations"]).toHaveLength(1)
    expect(found["authorizations"][0]).toMatchObject({ utility: "DEMO", is_test: false, form_uid: form["uid"], customer_signature: { full_name: "Pat Customer" } })
    await h.drain()
    const meters = await v2(`/meters?authorizations=${found["authorizations"][0]["uid"]}`)
    expect(meters["meters"].length).toBeGreaterThan(0)
    expect(meters["meters"].every((m: Json) => m["status_message"] === "Service exists but no logs yet")).toBe(true)
  })

  it("errors stand next to their field, nothing is stored, and the values typed are kept (not the password)", async () => {
    const form = await v2("/forms", { template_uid: template["uid"], utility: "DEMO" })
    const before = (await v2("/authorizations"))["authorizations"].length
    const res = await submit(form["url"], { utility: "DEMO", utility_username: "test", utility_password: "secret-pw", signature: "", action: "authorize" })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toMatch(/id="signature-error">Type your full name/)
    expect(html).toMatch(/id="consent-error">Tick the box/)
    expect(html).toContain('aria-invalid="true"')
    expect(html).toContain('value="test"')
    expect(html).not.toContain("secret-pw")
    expect((await v2("/authorizations"))["authorizations"].length).toBe(before)
  })

  it("refuses an unregistered redirect_uri without redirecting, a missing CSRF cookie, and an unknown form", async () => {
    const form = await v2("/forms", { template_uid: template["uid"] })
    const evil = await h.app.request(`${form["url"]}&redirect_uri=https%3A%2F%2Fevil.example%2F`)
    expect(evil.status).toBe(400)
    expect(evil.headers.get("location")).toBeNull()
    const page = await (await h.app.request(`${form["url"]}&utility=DEMO`)).text()
    const noCookie = await h.app.request(`${form["url"]}&utility=DEMO`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf_token: hidden(page, "csrf_token")!, utility: "DEMO", utility_username: "test", utility_password: "test", signature: "P", consent: "yes" }).toString()
    })
    expect(noCookie.status).toBe(403)
    expect((await h.app.request(`${H.BASE}/authorize/x?f=not-a-form`)).status).toBe(404)
  })

  it("declining redirects with error=access_denied and records a declined authorization", async () => {
    const form = await v2("/forms", { template_uid: template["uid"] })
    const res = await submit(form["url"], { utility: "DEMO", action: "decline" }, "&utility=DEMO&state=s1")
    expect(res.status).toBe(303)
    const location = new URL(res.headers.get("location")!)
    expect(location.searchParams.get("error")).toBe("access_denied")
    expect(location.searchParams.get("state")).toBe("s1")
    const found = await v2(`/authorizations?referrals=${location.searchParams.get("referral")}`)
    expect(found["authorizations"][0]).toMatchObject({ is_declined: true, status: "errored" })
  })

  it("UAPI_TEST_ usernames in the form simulate the scenarios", async () => {
    const form = await v2("/forms", { utility: "DEMO" })
    const res = await submit(form["url"], { utility: "DEMO", utility_username: "UAPI_TEST_commercial", utility_password: "x", signature: "T", consent: "yes" })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain("Thank you")
    await h.drain()
    const auths = (await v2(`/authorizations?forms=${form["uid"]}&include=meters`))["authorizations"]
    expect(auths[0]).toMatchObject({ is_test: true })
    expect(auths[0]["meters"]["meters"]).toHaveLength(4)
  })

  it("PG&E: the form sends the customer to the utility's consent page and back to the integrator with the referral", async () => {
    const form = await v2("/forms", { template_uid: template["uid"], utility: "PG&E" })
    const res = await submit(form["url"], { utility: "PG&E", signature: "Pat", consent: "yes" }, "&state=pge-1")
    expect(res.status).toBe(303)
    const consent = res.headers.get("location")!
    expect(consent).toContain("/sandbox/pge/")
    const callback = await H.approveConsent(h, consent)
    const back = await h.app.request(`${H.BASE}${callback}`)
    expect(back.status).toBe(303)
    const location = new URL(back.headers.get("location")!)
    expect(`${location.origin}${location.pathname}`).toBe("https://acme.example/back")
    expect(location.searchParams.get("state")).toBe("pge-1")
    const auths = (await v2(`/authorizations?referrals=${location.searchParams.get("referral")}`))["authorizations"]
    expect(auths[0]).toMatchObject({ utility: "PG&E", form_uid: form["uid"] })
    await h.drain()
    expect((await v2(`/meters?authorizations=${auths[0]["uid"]}`))["meters"].length).toBeGreaterThan(0)
  })

  it("SMT: the test ESIID authorizes at once and the customer is sent back", async () => {
    const form = await v2("/forms", { template_uid: template["uid"], utility: "SMT" })
    const res = await submit(form["url"], { utility: "SMT", esiid: "123456789", meter_number: "M1", rep: "Acme Power", email: "pat@example.com", signature: "Pat", consent: "yes" })
    expect(res.status).toBe(303)
    const location = new URL(res.headers.get("location")!)
    const auths = (await v2(`/authorizations?referrals=${location.searchParams.get("referral")}`))["authorizations"]
    expect(auths[0]).toMatchObject({ utility: "SMT", customer_email: "pat@example.com" })
  })
})
