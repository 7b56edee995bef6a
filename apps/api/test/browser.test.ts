/**
 * The customer workflow end to end in headless Chromium against a running
 * server (the Node entrypoint on SQLite): the integrator creates a form over
 * the API, the customer opens its URL, authorizes DEMO (and PG&E through the
 * utility's consent page, and SMT's test ESIID), lands on the integrator's
 * redirect with a referral; the integrator finds the authorization, triggers
 * historical collection and reads meters, bills and intervals.
 * Screenshots of every page go to `test/artifacts/` (look at them).
 */
import type { ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server as HttpServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { type Server, startServer, until } from "./server.ts"

const CHROMIUM = "/usr/bin/chromium"
const ARTIFACTS = join(import.meta.dirname, "artifacts")
const TOKEN = "browser-test-token"

type Json = Record<string, any>

describe.skipIf(!existsSync(CHROMIUM))("the customer workflow in Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "mb-browser-"))
  const children: Array<ChildProcess> = []
  let server: Server
  let browser: Browser
  let integrator: HttpServer
  let landing: string

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    server = await startServer(dir, {
      DATABASE_URL: `sqlite:${join(dir, "mb.db")}`,
      METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN,
      METERBRIDGE_WORKER_POLL_MS: "100"
    }, (c) => children.push(c))
    // The integrator's own page the customer is sent back to.
    integrator = createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      const q = new URL(req.url!, "http://x").searchParams
      res.end(`<!doctype html><title>Acme Solar</title><h1>Thanks, back at Acme Solar</h1><p id="referral">${q.get("referral") ?? ""}</p><p id="state">${q.get("state") ?? ""}</p><p id="error">${q.get("error") ?? ""}</p>`)
    })
    await new Promise<void>((r) => integrator.listen(0, "127.0.0.1", r))
    const address = integrator.address()
    landing = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/meterbridge/back`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    integrator?.close()
    await server?.stop()
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
  })

  const api = async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Json> => {
    const { json, ...rest } = init
    const res = await fetch(`${server.base}/api/v2${path}`, {
      ...rest,
      method: json === undefined ? rest.method ?? "GET" : "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, ...(json === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) })
    })
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300)
    return (await res.json()) as Json
  }

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
  }

  const newForm = async (utility?: string) => {
    const template = await api("/templates", { json: { company_name: "Acme Solar", description: "We size solar systems from your real usage.", redirect_uris: [landing] } })
    return api("/forms", { json: { template_uid: template["uid"], ...(utility ? { utility } : {}) } })
  }

  /** Fills the signature and consent, submits, and returns the referral the integrator's page received. */
  const signAndSubmit = async (page: Page, name: string) => {
    await page.getByLabel("Your full name").fill("Pat Customer")
    await page.getByRole("checkbox").check()
    await shot(page, `${name}-filled`)
    await page.getByRole("button", { name: /Authorize|Continue/ }).click()
  }

  it("DEMO: form → authorize → redirect with referral → historical collection → meters, bills, intervals", async () => {
    const form = await newForm()
    const page = await browser.newPage({ viewport: { width: 420, height: 860 } })
    await page.goto(`${form["url"]}&state=demo-1`)
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Share your utility data")
    expect(await page.textContent("body")).toContain("Acme Solar")
    await shot(page, "01-utility-picker")
    await page.getByRole("link", { name: /DEMO/ }).click()
    await shot(page, "02-demo-form")
    // Submitting empty shows the errors next to the fields.
    await page.getByRole("button", { name: "Authorize" }).click()
    expect(await page.locator("#signature-error").textContent()).toMatch(/full name/)
    await shot(page, "03-demo-errors")
    await page.getByLabel("Utility username").fill("test")
    await page.getByLabel("Utility password").fill("test")
    await signAndSubmit(page, "04-demo")
    await page.waitForURL((u) => u.toString().startsWith(landing))
    await shot(page, "05-demo-landed")
    const referral = (await page.locator("#referral").textContent())!
    expect(referral).not.toBe("")
    expect(await page.locator("#state").textContent()).toBe("demo-1")
    await page.close()

    const auth = (await api(`/authorizations?referrals=${referral}&include=meters`))["authorizations"][0]
    expect(auth).toMatchObject({ utility: "DEMO", form_uid: form["uid"] })
    const meters = await until("meters found", async () => {
      const list = (await api(`/meters?authorizations=${auth["uid"]}`))["meters"] as Array<Json>
      return list.length > 0 ? list : undefined
    })
    expect(meters.every((m) => m["status_message"] === "Service exists but no logs yet")).toBe(true)
    expect(await api("/meters/historical-collection", { json: { meters: meters.map((m) => m["uid"]), collection_duration: 12 } })).toMatchObject({ success: true })
    const collected = await until("meters updated", async () => {
      const list = (await api(`/meters?authorizations=${auth["uid"]}`))["meters"] as Array<Json>
      return list.every((m) => m["status"] === "updated" && m["bill_count"] > 0) ? list : undefined
    }, 120_000)
    const bills = (await api(`/bills?meters=${collected[0]!["uid"]}`))["bills"] as Array<Json>
    expect(bills.length).toBe(collected[0]!["bill_count"])
    const intervals = (await api(`/intervals?meters=${collected[0]!["uid"]}`))["intervals"] as Array<Json>
    expect(intervals[0]!["readings"].length).toBe(collected[0]!["interval_count"])
  }, 180_000)

  it("PG&E: the customer approves on the utility's consent page and comes back with a referral", async () => {
    const form = await newForm("PG&E")
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
    await page.goto(`${form["url"]}&state=pge-1`)
    await shot(page, "06-pge-form")
    await signAndSubmit(page, "07-pge")
    await page.waitForURL(/\/sandbox\/pge\//)
    await page.getByLabel("Username").fill("test")
    await shot(page, "08-pge-consent")
    await page.getByRole("button", { name: "Approve" }).click()
    await page.waitForURL((u) => u.toString().startsWith(landing))
    await shot(page, "09-pge-landed")
    expect(await page.locator("#state").textContent()).toBe("pge-1")
    const referral = (await page.locator("#referral").textContent())!
    await page.close()
    const auth = (await api(`/authorizations?referrals=${referral}`))["authorizations"][0]
    expect(auth).toMatchObject({ utility: "PG&E" })
    await until("PG&E meters", async () => ((await api(`/meters?authorizations=${auth["uid"]}`))["meters"].length > 0 ? true : undefined))
  }, 120_000)

  it("SMT: the test ESIID authorizes at once", async () => {
    const form = await newForm("SMT")
    const page = await browser.newPage({ viewport: { width: 420, height: 1000 } })
    await page.goto(form["url"])
    await page.getByLabel("ESIID").fill("123456789")
    await page.getByLabel("Meter number").fill("M1")
    await page.getByLabel("Retail electric provider").fill("Acme Power")
    await page.getByLabel("Email address").fill("pat@example.com")
    await signAndSubmit(page, "10-smt")
    await page.waitForURL((u) => u.toString().startsWith(landing))
    await shot(page, "11-smt-landed")
    expect(await page.locator("#referral").textContent()).not.toBe("")
    await page.close()
  }, 60_000)

  it("the form works by keyboard alone", async () => {
    const form = await newForm("DEMO")
    const page = await browser.newPage()
    await page.goto(form["url"])
    await page.keyboard.press("Tab")
    // Focus order follows the form: username first.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("utility_username")
    await page.keyboard.type("test")
    await page.keyboard.press("Tab")
    await page.keyboard.type("test")
    await page.keyboard.press("Tab")
    await page.keyboard.type("pat@example.com")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Pat Customer")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.waitForURL((u) => u.toString().startsWith(landing))
    expect(await page.locator("#referral").textContent()).not.toBe("")
    await page.close()
  }, 60_000)
})
