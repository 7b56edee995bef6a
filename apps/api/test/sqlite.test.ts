/** The API over the SQLite Store (the default deployment): the DEMO flow, and no secret in plaintext on disk. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openStore } from "../src/node/openStore.ts"
import * as H from "./harness.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-sqlite-"))
const db = await openStore({ kind: "sqlite", path: join(dir, "api.db") })
await db.migrate()
afterAll(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("the API on SQLite", () => {
  it("collects DEMO; counts match the lists; neither the API token nor the utility password is on disk in plaintext", async () => {
    const h = await H.make({ store: db.store })
    const a = await h.addUser("a@example.com")
    const canary = "canary-Pa55word-7f3e"
    const bad = await h.request("/api/accounts/add.json", {
      method: "POST",
      token: a.token,
      json: { utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test", utility_password: canary }
    })
    expect(bad.status).toBe(200)
    expect(((await bad.json()) as { latest: { type: string } }).latest.type).toBe("error")
    await H.addDemoAccount(h, a.token)
    await h.drain()
    const services = (await (await h.request("/api/services.json", { token: a.token })).json()) as Array<{ uid: string; bill_count: number; interval_count: number }>
    expect(services.length).toBe(2)
    for (const s of services) {
      const bills = (await (await h.request(`/api/services/${s.uid}/bills.json`, { token: a.token })).json()) as Array<unknown>
      const intervals = (await (await h.request(`/api/services/${s.uid}/intervals.csv`, { token: a.token })).text()).trimEnd().split("\n")
      expect(bills.length).toBe(s.bill_count)
      expect(intervals.length - 1).toBe(s.interval_count)
    }
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)))
    expect(files.length).toBeGreaterThanOrEqual(1)
    for (const bytes of files) {
      expect(bytes.includes(Buffer.from(canary))).toBe(false)
      expect(bytes.includes(Buffer.from(a.token))).toBe(false)
    }
  }, 120_000)
})
