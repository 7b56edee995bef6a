/**
 * `meterbridge worker` as a process: its ops endpoints answer, its heartbeat
 * makes an API's /readyz ready, and SIGTERM stops it cleanly (heartbeat
 * removed, exit 0).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openStore } from "../src/node/openStore.ts"

const CLI = join(import.meta.dirname, "../src/cli.ts")
const dir = mkdtempSync(join(tmpdir(), "mb-worker-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

const until = async <A>(f: () => Promise<A | undefined>, timeoutMs = 30_000): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("meterbridge worker", () => {
  it("serves /healthz, /readyz and /metrics, beats in the database, and stops on SIGTERM with exit 0", async () => {
    const port = await freePort()
    const dbPath = join(dir, "w.db")
    const child = spawn(process.execPath, [CLI, "worker"], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: `sqlite:${dbPath}`, METERBRIDGE_WORKER_OPS_PORT: String(port), METERBRIDGE_WORKER_POLL_MS: "100" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
    try {
      const health = await until(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`)
        return r.ok ? r : undefined
      })
      expect(await health.json()).toEqual({ status: "ok" })
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, migrations: { ok: true } } })
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      expect(metrics).toMatch(/^meterbridge_jobs\{state="queued",component="worker"\} 0$/m)
      const db = await openStore({ kind: "sqlite", path: dbPath })
      try {
        expect((await until(async () => {
          const b = await db.ops.lastBeat(Date.now() - 30_000)
          return b.alive > 0 ? b : undefined
        })).alive).toBe(1)
        child.kill("SIGTERM")
        const code = await new Promise((r) => child.once("exit", r))
        expect(code, out).toBe(0)
        expect((await db.ops.lastBeat(0)).alive).toBe(0)
      } finally {
        await db.close()
      }
      expect(out).toMatch(/SIGTERM: shutting down/)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }, 60_000)
})
