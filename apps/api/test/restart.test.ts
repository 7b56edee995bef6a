/**
 * `pnpm start` as a process: serves on PORT with the store at DATABASE_URL,
 * bootstraps the first token, and a collection job cut off by SIGKILL is
 * taken up again by the next process once its lease lapses.
 */
import type { ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { openStore } from "../src/node/openStore.ts"
import { startServer, until } from "./server.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-main-"))
const dbPath = join(dir, "main.db")
const TOKEN = "bootstrap-token-for-the-restart-test"
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

const start = () =>
  startServer(dir, {
    DATABASE_URL: `sqlite:${dbPath}`,
    METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN,
    METERBRIDGE_WORKER_LEASE_MS: "1500",
    METERBRIDGE_WORKER_POLL_MS: "200"
  }, (child) => children.push(child))

const api = (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}/api${path}`, { ...init, headers: { Authorization: `Token ${TOKEN}`, "Content-Type": "application/json", ...init.headers } })

describe("the Node entrypoint", () => {
  it("bootstraps a token, survives SIGKILL mid-collection, and the next process finishes the job", async () => {
    const first = await start()
    // A bootstrap token given by environment is a secret the operator already has: never echoed.
    expect(first.output()).not.toContain(TOKEN)
    expect(first.output()).toMatch(/TEST MODE is ON/)
    expect(statSync(join(dir, "data", "secret.key")).mode & 0o777).toBe(0o600)
    const added = await api(first.base, "/accounts/add.json", {
      method: "POST",
      body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test", utility_password: "test" })
    })
    expect(added.status).toBe(200)

    // Kill the process while it holds the lease on a service collection job.
    const db = await openStore({ kind: "sqlite", path: dbPath })
    try {
      const leased = await until("a leased service job", async () => {
        const jobs = await Effect.runPromise(db.store.listJobs)
        return jobs.find((j) => j.kind === "service" && j.locked_until !== null && j.locked_until > Date.now() * 1000)
      })
      first.child.kill("SIGKILL")
      await new Promise((r) => first.child.once("exit", r))
      const orphan = (await Effect.runPromise(db.store.listJobs)).find((j) => j.id === leased.id)
      expect(orphan).toBeDefined() // the killed process never completed it

      const second = await start()
      expect(second.output()).not.toContain(TOKEN) // not an empty database any more
      const services = await until("all services updated", async () => {
        const res = await api(second.base, "/services.json")
        const list = (await res.json()) as Array<{ uid: string; latest?: { type: string }; interval_count: number }>
        return list.length > 0 && list.every((s) => s.latest?.type === "updated") ? list : undefined
      }, 90_000)
      for (const s of services) {
        const intervals = (await (await api(second.base, `/services/${s.uid}/intervals.json`)).json()) as Array<unknown>
        expect(intervals.length).toBe(s.interval_count)
        expect(s.interval_count).toBeGreaterThan(0)
      }
      expect((await Effect.runPromise(db.store.listJobs)).find((j) => j.id === leased.id)).toBeUndefined()
      second.child.kill("SIGTERM")
      const code = await new Promise((r) => second.child.once("exit", r))
      expect(code).toBe(0)
    } finally {
      await db.close()
    }
  }, 180_000)

  it("takes its secret key from METERBRIDGE_SECRET_KEY_FILE (a mounted secret) rather than generating one", async () => {
    const here = mkdtempSync(join(tmpdir(), "mb-keyfile-"))
    try {
      writeFileSync(join(here, "key"), `${"cd".repeat(32)}\n`, { mode: 0o600 })
      const server = await startServer(here, {
        DATABASE_URL: `sqlite:${join(here, "main.db")}`,
        METERBRIDGE_SECRET_KEY_FILE: join(here, "key"),
        METERBRIDGE_WORKER_CONCURRENCY: "0"
      }, (child) => children.push(child))
      expect(await server.stop()).toBe(0)
      expect(server.output()).not.toContain("Generated a new secret key")
      expect(existsSync(join(here, "data", "secret.key"))).toBe(false)
    } finally {
      rmSync(here, { recursive: true, force: true })
    }
  }, 60_000)
})
