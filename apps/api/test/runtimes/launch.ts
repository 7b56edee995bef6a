/**
 * Starts the server on each runtime as `pnpm start`, `pnpm start:bun` and
 * `pnpm start:workers` do (the same entrypoints, the runtimes installed from
 * the lockfile), each on a fresh database, and stops it again.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export type RuntimeName = "node" | "bun" | "workers"

export interface Running {
  readonly name: RuntimeName
  readonly base: string
  readonly token: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const SRC = join(import.meta.dirname, "../../src")
const BIN = join(import.meta.dirname, "../../node_modules/.bin")
export const TOKEN = "mbt_runtime_suite_token_0123456789"
const SECRET = "ab".repeat(32)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

const adminQuery = async (adminUrl: string, text: string) => {
  const { default: pg } = await import("pg")
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** A fresh PostgreSQL database next to the one `MB_TEST_POSTGRES_URL` names, for the Workers server. */
const freshPostgres = async (adminUrl: string): Promise<string> => {
  const name = `mb_runtimes_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  await adminQuery(adminUrl, `create database ${name}`)
  const url = new URL(adminUrl)
  // Hyperdrive's local mode insists on a password in the URL (PostgreSQL may well ignore it).
  if (url.password === "") url.password = "postgres"
  url.pathname = `/${name}`
  return url.toString()
}

const waitReady = async (base: string, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output()}`)
    try {
      const r = await fetch(`${base}/api/accounts.json`, { headers: { authorization: `Bearer ${TOKEN}` } })
      if (r.status === 200) return
    } catch { /* not listening yet */ }
    if (Date.now() > end) throw new Error(`${base} not ready after ${timeoutMs} ms:\n${output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Every server started and not yet stopped, for the suite to kill if a test times out. */
export const live = new Set<Running>()

export const start = async (name: RuntimeName, postgresUrl?: string): Promise<Running> => {
  const cwd = mkdtempSync(join(tmpdir(), `mb-${name}-`))
  const port = await freePort()
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: "127.0.0.1",
    METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN,
    METERBRIDGE_SECRET_KEY: SECRET,
    METERBRIDGE_LOG_REQUESTS: "0",
    METERBRIDGE_WORKER_POLL_MS: "200",
    // The settings' maximum: the bench (bench/runtimes.ts) sends one token faster than 10,000 requests a second.
    METERBRIDGE_RATE_LIMIT: "100000",
    // Low enough that a burst of anonymous requests from one address meets it; the tour makes two.
    METERBRIDGE_ANONYMOUS_RATE_LIMIT: "5",
    // The suite's client is its own proxy: X-Forwarded-For names the client, as behind a real one.
    METERBRIDGE_TRUSTED_PROXIES: "127.0.0.1",
    DATABASE_URL: `sqlite:${join(cwd, "meterbridge.db")}`
  }
  const [command, args] =
    name === "node" ? [process.execPath, [join(SRC, "main.node.ts")]]
    : name === "bun" ? [join(BIN, "bun"), [join(SRC, "main.bun.ts")]]
    : [process.execPath, [join(SRC, "node/startWorkers.ts")]]
  if (name === "workers") {
    if (!postgresUrl) throw new Error("the Workers server needs PostgreSQL (MB_TEST_POSTGRES_URL)")
    env["DATABASE_URL"] = await freshPostgres(postgresUrl)
  }
  // Its own process group, so that stopping it also stops wrangler's workerd.
  const child = spawn(command as string, args as Array<string>, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
  let out = ""
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
  const base = `http://127.0.0.1:${port}`
  const dropDatabase = async () => {
    if (name !== "workers" || !postgresUrl) return
    await adminQuery(postgresUrl, `drop database if exists ${new URL(env["DATABASE_URL"]!).pathname.slice(1)} with (force)`).catch(() => undefined)
  }
  const stop = async () => {
    if (child.exitCode !== null) return dropDatabase()
    const exited = new Promise<void>((r) => child.once("exit", () => r()))
    try {
      process.kill(-child.pid!, "SIGTERM")
    } catch { /* already gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch { /* gone meanwhile */ }
    }
    await dropDatabase()
  }
  try {
    await waitReady(base, child, () => out, name === "workers" ? 90_000 : 30_000)
  } catch (e) {
    await stop()
    throw e
  }
  const running: Running = { name, base, token: TOKEN, output: () => out, stop: async () => {
    await stop()
    live.delete(running)
  } }
  live.add(running)
  return running
}
