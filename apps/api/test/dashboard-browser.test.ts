/**
 * The dashboard in headless Chromium against a running server (the Node
 * entrypoint on SQLite), as an operator uses it after `pnpm start`: the
 * password set with `meterbridge users set-password`, a DEMO authorization
 * added over the API and collected by the worker; sign-in by keyboard only,
 * every page rendered with that data, axe-core on each, the chart's points
 * for a known range, zoom response times, a customer link, an API token, and
 * `/docs` rendering `/api/openapi.json`. Screenshots go to `test/artifacts/`;
 * the zoom figures to `test/artifacts/dashboard-timings.json`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { type Server, startServer, until } from "./server.ts"

const CHROMIUM = "/usr/bin/chromium"
const ARTIFACTS = join(import.meta.dirname, "artifacts")
const CLI = join(import.meta.dirname, "../src/cli.ts")
const TOKEN = "dashboard-test-token"
const EMAIL = "operator@example.com"
const PASSWORD = "a long operator password"
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

type Json = Record<string, any>

/** `meterbridge users set-password`, the password on standard input as an operator types it. */
const setPassword = (env: Record<string, string>) =>
  new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [CLI, "users", "set-password", "--user", EMAIL], { env: { ...process.env, ...env }, stdio: ["pipe", "ignore", "inherit"] })
    child.stdin.end(`${PASSWORD}\n`)
    child.on("exit", resolve)
  })

describe.skipIf(!existsSync(CHROMIUM))("the dashboard in Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "mb-dash-"))
  const children: Array<ChildProcess> = []
  const env = { DATABASE_URL: `sqlite:${join(dir, "mb.db")}`, METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN, METERBRIDGE_ADMIN_EMAIL: EMAIL, METERBRIDGE_WORKER_POLL_MS: "100" }
  let server: Server
  let browser: Browser
  let page: Page
  let meter: Json

  const api = async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<any> => {
    const { json, ...rest } = init
    const res = await fetch(`${server.base}${path}`, {
      ...rest,
      method: json === undefined ? rest.method ?? "GET" : "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, ...(json === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) })
    })
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300)
    return res.json()
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    server = await startServer(dir, env, (c) => children.push(c))
    expect(await setPassword(env)).toBe(0)
    await api("/api/accounts/add.json", { json: { utility: "DEMO", auth_type: "owner", real_name: "Jo Doe", utility_username: "test", utility_password: "test" } })
    meter = await until("collected DEMO data", async () => {
      const services = (await api("/api/services.json")) as Array<Json>
      return services.find((s) => s["latest"]?.type === "updated" && s["interval_count"] > 96 * 365 && s["bill_count"] > 0)
    }, 120_000)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
    })
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.on("pageerror", (e) => {
      throw e
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
  })

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true })

  /** axe-core's serious and critical violations on the current page (evaluated over CDP: the page's CSP forbids injected scripts). */
  const violations = async () => {
    await page.evaluate(AXE)
    const found = await page.evaluate(async () => {
      const result = await (globalThis as any).axe.run(document, { resultTypes: ["violations"] })
      return (result.violations as Array<any>).filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(" ")).slice(0, 3).join(", ")})`)
    })
    return found
  }

  const tabTo = async (selector: string, max = 60) => {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab")
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return
    }
    throw new Error(`Tab never reached ${selector}`)
  }

  it("signs in with the keyboard alone and lists the authorization and its meters", async () => {
    await page.goto(`${server.base}/dashboard`)
    expect(new URL(page.url()).pathname).toBe("/login")
    expect(await violations()).toEqual([])
    await shot("login")
    await tabTo("#email")
    await page.keyboard.type(EMAIL)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await Promise.all([page.waitForURL(`${server.base}/dashboard`), page.keyboard.press("Enter")])
    await expect(page.locator(`a[href="/dashboard/meters/${meter["uid"]}"]`).count()).resolves.toBe(1)
    await expect(page.locator("table").first().textContent()).resolves.toContain("DEMO")
    expect(await violations()).toEqual([])
    await shot("authorizations")
  })

  it("reaches a meter by keyboard; the chart draws one point per reading for a day and answers zooms", async () => {
    await page.goto(`${server.base}/dashboard`)
    await page.keyboard.press("Tab")
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content")
    await tabTo(`a[href="/dashboard/meters/${meter["uid"]}"]`)
    await Promise.all([page.waitForURL(`**/dashboard/meters/${meter["uid"]}`), page.keyboard.press("Enter")])
    await page.waitForFunction(() => (window as any).meterbridgeChart?.ready === true)
    const overview = await page.evaluate(() => ({ ...(window as any).meterbridgeChart }))
    expect(overview.points).toBeLessThanOrEqual(1500)
    expect(overview.points).toBeGreaterThan(365)
    expect(await page.locator("#usage-chart canvas").count()).toBe(1)
    expect(await violations()).toEqual([])
    await shot("meter")

    // "Last day" by keyboard: 96 quarter-hours.
    await page.focus('button[data-range="1"]')
    await page.keyboard.press("Enter")
    await page.waitForFunction(() => (window as any).meterbridgeChart.step === 900)
    const day = await page.evaluate(() => ({ ...(window as any).meterbridgeChart }))
    expect(day.points).toBe(96)
    expect(day.end - day.start).toBe(86_400)
    await shot("meter-day")

    // Zoom by dragging across the plot, from the year view: the figures are recorded, not asserted (no timed tests).
    await page.focus('button[data-range="all"]')
    await page.keyboard.press("Enter")
    await page.waitForFunction(() => (window as any).meterbridgeChart.end - (window as any).meterbridgeChart.start > 300 * 86_400)
    const timings: Array<number> = []
    const over = page.locator("#usage-chart .u-over")
    const box = (await over.boundingBox())!
    for (const [from, to] of [[0.2, 0.4], [0.3, 0.6], [0.1, 0.9]] as const) {
      const before = await page.evaluate(() => (window as any).meterbridgeChart.timings.length)
      await page.mouse.move(box.x + box.width * from, box.y + box.height / 2)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 5 })
      await page.mouse.up()
      await page.waitForFunction((n) => (window as any).meterbridgeChart.timings.length > n, before)
      timings.push(await page.evaluate(() => (window as any).meterbridgeChart.timings.at(-1)))
    }
    const zoomed = await page.evaluate(() => ({ ...(window as any).meterbridgeChart }))
    expect(zoomed.end - zoomed.start).toBeLessThan((overview.end - overview.start) / 10)
    await shot("meter-zoomed")
    for (const direction of ["in", "out"]) {
      const before = await page.evaluate(() => (window as any).meterbridgeChart.timings.length)
      await page.click(`button[data-zoom="${direction}"]`)
      await page.waitForFunction((n) => (window as any).meterbridgeChart.timings.length > n, before)
      timings.push(await page.evaluate(() => (window as any).meterbridgeChart.timings.at(-1)))
    }
    writeFileSync(join(ARTIFACTS, "dashboard-timings.json"), JSON.stringify({ zoom_ms: timings, max_ms: Math.max(...timings), overview_points: overview.points }, null, 2))
    console.log(`zoom to redraw (ms): ${timings.map((t) => t.toFixed(1)).join(", ")}`)
  })

  it("shows bills with line items", async () => {
    await page.goto(`${server.base}/dashboard/meters/${meter["uid"]}#bills`)
    const first = page.locator("details summary").filter({ hasText: "line items" }).first()
    await first.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("details[open] tbody tr").count()).resolves.toBeGreaterThan(0)
    expect(await page.locator("svg.bars rect").count()).toBe(meter["bill_count"])
  })

  it("creates a customer link and an API token that works", async () => {
    await page.goto(`${server.base}/dashboard/request`)
    await page.selectOption("#utility", "DEMO")
    await Promise.all([page.waitForLoadState("load"), page.click("text=Create link")])
    const link = await page.inputValue("#new-link")
    expect(new URL(link).pathname.startsWith("/authorize/")).toBe(true)
    expect(await violations()).toEqual([])
    await shot("request")

    await page.goto(`${server.base}/dashboard/tokens`)
    await Promise.all([page.waitForLoadState("load"), page.click("text=Create token")])
    const secret = await page.inputValue("#new-secret")
    const res = await fetch(`${server.base}/api/v2/meters`, { headers: { Authorization: `Bearer ${secret}` } })
    expect(res.status).toBe(200)
    expect(await violations()).toEqual([])
    await shot("tokens")

    const customer = await (await browser.newContext()).newPage()
    await customer.goto(link)
    await expect(customer.locator("h1").textContent()).resolves.toContain("Share your")
    await customer.close()
  })

  it("renders the registrations and operator pages", async () => {
    for (const [path, name] of [["/dashboard/registrations", "registrations"], ["/dashboard/operator", "operator"], [`/dashboard/authorizations/${meter["account_uid"]}`, "authorization"]] as const) {
      const res = await page.goto(`${server.base}${path}`)
      expect(res?.status(), path).toBe(200)
      expect(await violations(), path).toEqual([])
      await shot(name)
    }
    await expect(page.locator("body").textContent()).resolves.toContain(meter["uid"])
  })

  it("renders the API reference from /api/openapi.json", async () => {
    await page.goto(`${server.base}/docs`)
    await page.waitForFunction(() => document.body.innerText.includes("Meterbridge API"), undefined, { timeout: 30_000 })
    // Both surfaces' operations are listed (Scalar shows each tag's operations in its sidebar).
    await page.waitForFunction(() => document.body.innerText.includes("v2 forms") && document.body.innerText.includes("v1 accounts"), undefined, { timeout: 30_000 })
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-docs.png") })
  })

  it("signs out", async () => {
    await page.goto(`${server.base}/dashboard`)
    await Promise.all([page.waitForURL("**/login"), page.click("text=Sign out")])
    await page.goto(`${server.base}/dashboard/tokens`)
    expect(new URL(page.url()).pathname).toBe("/login")
  })
})
