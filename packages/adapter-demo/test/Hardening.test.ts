/** The DEMO portal is public in test mode (its login is printed in the README): no request may cost unbounded work or memory. */
import { serve, type Served } from "@meterbridge/testkit/serve"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DemoSandbox } from "../src/sandbox.ts"

const now = Math.floor(Date.UTC(2025, 6, 1) / 1000)
const DAY = 86_400

let sandbox: DemoSandbox.Sandbox
let served: Served
let session: string
beforeAll(async () => {
  sandbox = DemoSandbox.makeSandbox({ now: () => now })
  served = await serve(sandbox.app.fetch)
  session = await newSession()
})
afterAll(() => served.close())

async function newSession() {
  const response = await fetch(`${served.url}/api/login`, {
    method: "POST",
    body: JSON.stringify({ username: "test", password: "test" }),
    headers: { "content-type": "application/json" }
  })
  return ((await response.json()) as { session: string }).session
}
const get = (path: string, token = session) => fetch(`${served.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
const ID = "1234567890"

describe("DEMO portal bounds", () => {
  it("clamps a bills range from the far past to far future to the portal's history", async () => {
    // Before the clamp this request walked every month since 1900 (or, from -1e15, never ended).
    const response = await get(`/api/services/${ID}/bills?from=${Date.UTC(1900, 0, 1) / 1000}&to=${now + 100 * 365 * DAY}`)
    expect(response.status).toBe(200)
    const { bills } = (await response.json()) as { bills: Array<{ start: string; end: string }> }
    const service = sandbox.dataset.services.find((s) => s.utility_service_id === ID)!
    const expected = sandbox.dataset.bills(service, now - DemoSandbox.HISTORY_SECONDS, now, now)
    expect(bills.map((b) => b.start)).toEqual(expected.map((b) => new Date(b.start * 1000).toISOString()))
    expect(bills.length).toBeLessThanOrEqual(Math.ceil(DemoSandbox.HISTORY_SECONDS / (28 * DAY)) + 1)
  })

  it("answers a range of absurd magnitude at once", async () => {
    const response = await get(`/api/services/${ID}/bills?from=-1e15&to=1e15`)
    expect(response.status).toBe(200)
  })

  it("answers a range wholly before the history with nothing", async () => {
    const bills = await get(`/api/services/${ID}/bills?from=0&to=${10 * DAY}`)
    expect(((await bills.json()) as { bills: Array<unknown> }).bills).toEqual([])
    const usage = await get(`/api/services/${ID}/usage?from=0&to=${10 * DAY}`)
    expect(((await usage.json()) as { readings: Array<unknown> }).readings).toEqual([])
  })

  it("still refuses a usage request longer than 31 days, and a reversed range", async () => {
    expect((await get(`/api/services/${ID}/usage?from=${now - 40 * DAY}&to=${now}`)).status).toBe(400)
    expect((await get(`/api/services/${ID}/bills?from=${now}&to=${now - DAY}`)).status).toBe(400)
  })

  it("keeps at most MAX_SESSIONS sessions, dropping the oldest", async () => {
    const first = await newSession()
    expect((await get("/api/services", first)).status).toBe(200)
    for (let i = 0; i < DemoSandbox.MAX_SESSIONS; i++) await sandbox.app.request("/api/login", {
      method: "POST",
      body: JSON.stringify({ username: "test", password: "test" }),
      headers: { "content-type": "application/json" }
    })
    expect(sandbox.sessions.size).toBe(DemoSandbox.MAX_SESSIONS)
    expect((await get("/api/services", first)).status).toBe(401)
  }, 60_000)
})
