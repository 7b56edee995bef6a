/**
 * The client against a live server (the Node entrypoint on SQLite, a DEMO
 * account collected by its worker): typed calls, pagination over v2
 * listings, interval streaming by windows, the README's example run as
 * written, and the generated types in step with the API's document.
 */
import type { ChildProcess } from "node:child_process"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Server, startServer, until } from "../../../apps/api/test/server.ts"
import { ApiError, createClient } from "../src/index.ts"
import { generate } from "../scripts/schemaText.ts"

const TOKEN = "client-test-token"

describe("@meterbridge/client against a live server", () => {
  const dir = mkdtempSync(join(tmpdir(), "mb-client-"))
  const children: Array<ChildProcess> = []
  let server: Server
  let mb: ReturnType<typeof createClient>
  let service: { uid: string; interval_count: number }

  beforeAll(async () => {
    server = await startServer(dir, { DATABASE_URL: `sqlite:${join(dir, "mb.db")}`, METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN, METERBRIDGE_WORKER_POLL_MS: "100" }, (c) => children.push(c))
    mb = createClient({ baseUrl: server.base, token: TOKEN })
    await mb.unwrap(mb.raw.POST("/api/accounts/add", {
      body: { utility: "DEMO", auth_type: "owner", real_name: "Jo Doe", utility_username: "test", utility_password: "test" }
    }))
    service = await until("collected DEMO data", async () => {
      const [account] = await mb.unwrap(mb.raw.GET("/api/accounts"))
      const services = await mb.unwrap(mb.raw.GET("/api/services"))
      const done = account?.latest?.type === "updated" && services.length > 0 && services.every((s) => s.latest?.type === "updated" && s.interval_count > 0)
      return done ? services[0] : undefined
    }, 120_000)
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
  })

  it("turns a non-2xx answer into an ApiError with the API's error body", async () => {
    const bad = createClient({ baseUrl: server.base, token: "not-a-token" })
    const error = await bad.unwrap(bad.raw.GET("/api/services")).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
  })

  it("walks every page of a v2 listing in order", async () => {
    const created: Array<string> = []
    for (let i = 0; i < 5; i++) {
      const t = await mb.unwrap(mb.raw.POST("/api/v2/templates", { body: { company_name: `Acme ${i}`, redirect_uris: ["https://acme.example/back"] } }))
      created.push(t.uid)
    }
    const paged: Array<string> = []
    for await (const t of mb.list("/api/v2/templates", { limit: "2" })) paged.push(t.uid)
    const onePage = await mb.unwrap(mb.raw.GET("/api/v2/templates", { params: { query: { limit: "100" } } }))
    expect(paged).toEqual(onePage.templates.map((t) => t.uid))
    expect([...paged].sort()).toEqual([...created].sort())
  })

  it("streams a service's intervals window by window: each once, in order, all of them", async () => {
    let count = 0
    let last = -Infinity
    let kWh = 0
    for await (const i of mb.intervals(service.uid, { windowDays: 45 })) {
      const start = Date.parse(i.interval_start)
      expect(start).toBeGreaterThan(last)
      last = start
      count++
      kWh += i.interval_kWh ?? 0
    }
    expect(count).toBe(service.interval_count)
    const all = (await (await fetch(`${server.base}/api/services/${service.uid}/intervals.json`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as Array<{ interval_kWh: number | null }>
    expect(kWh).toBeCloseTo(all.reduce((s, i) => s + (i.interval_kWh ?? 0), 0), 6)
  }, 60_000)

  it("runs the README's example as written", async () => {
    const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8")
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!
    // The README's command runs example.ts: the same code. Inside the package, "@meterbridge/client" resolves to itself.
    const file = join(import.meta.dirname, "..", "example.ts")
    expect(readFileSync(file, "utf8")).toBe(code)
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [file], { env: { ...process.env, METERBRIDGE_URL: server.base, METERBRIDGE_TOKEN: TOKEN } }, (e, stdout, stderr) =>
        e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))
    )
    expect(out).toContain(`meter ${service.uid}: DEMO`)
    const all = (await (await fetch(`${server.base}/api/services/${service.uid}/intervals.json`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as Array<{ interval_kWh: number | null }>
    expect(out).toContain(`total ${all.reduce((s, i) => s + (i.interval_kWh ?? 0), 0).toFixed(3)} kWh`)
  }, 60_000)

  it("ships types generated from the API's current document", async () => {
    expect(readFileSync(join(import.meta.dirname, "../src/schema.ts"), "utf8")).toBe(await generate())
  })
})
