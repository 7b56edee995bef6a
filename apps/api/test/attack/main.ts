/**
 * `pnpm attack`: the attacks of issue #8 against a fresh `pnpm start` (test
 * mode, default settings) on loopback, each for a few seconds with several
 * connections, while a normal client reads its accounts every 25 ms with its
 * token. Prints, per attack, the answers it got (status × count, slowest) and
 * the normal client's latency (median, slowest) meanwhile. Exits 1 if an
 * attack got a 2xx or 5xx where a 4xx is due, or a normal request failed.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import * as TokenSecret from "../../src/shared/TokenSecret.ts"
import { startServer } from "../server.ts"

const ATTACK_MS = Number(process.env["ATTACK_MS"] ?? 3000)
const CONNECTIONS = 8

const dir = mkdtempSync(join(tmpdir(), "mb-attack-"))
const token = TokenSecret.generate()
const started = await startServer(dir, { METERBRIDGE_BOOTSTRAP_TOKEN: token, METERBRIDGE_LOG_REQUESTS: "0", DATABASE_URL: "" })
const server = started.child
const base = started.base
process.once("uncaughtException", (e) => {
  server.kill("SIGKILL")
  console.error(e)
  process.exit(1)
})
process.once("unhandledRejection", (e) => {
  server.kill("SIGKILL")
  console.error(e)
  process.exit(1)
})

// A second user: the attacker's own token for attacks that need one (the normal client's token has its own limit).
const cli = (...args: Array<string>) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "../../src/cli.ts"), ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: "" } })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`meterbridge ${args.join(" ")} exited ${code}`))))
  })
await cli("users", "create", "--email", "other@example.com")
const other = (await cli("tokens", "create", "--user", "other@example.com")).trim().split("\n").pop()!
const attackerAuth = { Authorization: `Token ${other}` }
const timed = async (f: () => Promise<Response>) => {
  const t = performance.now()
  try {
    const res = await f()
    await res.arrayBuffer().catch(() => undefined)
    return { status: res.status, ms: performance.now() - t }
  } catch {
    return { status: 0, ms: performance.now() - t }
  }
}

const csrf = async () => {
  let res = await fetch(`${base}/api/users/new.json`)
  // The previous attack may have used up this address's anonymous allowance for the current second.
  while (res.status === 429) {
    await new Promise((r) => setTimeout(r, 1100))
    res = await fetch(`${base}/api/users/new.json`)
  }
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!
  const { csrf_token } = (await res.json()) as { csrf_token: string }
  return { cookie, csrf_token }
}

/** A body that streams `mb` MiB with no Content-Length. */
const chunked = (mb: number) => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= mb * 16) return c.close()
      sent++
      c.enqueue(new Uint8Array(64 * 1024).fill(0x61))
    }
  })
}

const session = async () => {
  const res = await fetch(`${base}/sandbox/demo/api/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "test", password: "test" }) })
  return ((await res.json()) as { session: string }).session
}

interface Attack {
  readonly name: string
  /** Statuses that count as the right answer. */
  readonly expect: ReadonlyArray<number>
  readonly send: (i: number) => Promise<Response>
  readonly prepare?: () => Promise<void>
}

let form = { cookie: "", csrf_token: "" }
let demoSession = ""
const attacks: ReadonlyArray<Attack> = [
  {
    name: "DEMO sandbox, huge date range",
    expect: [200, 400, 429],
    prepare: async () => void (demoSession = await session()),
    send: () => fetch(`${base}/sandbox/demo/api/services/1234567890/usage?from=0&to=99999999999`, { headers: { Authorization: `Bearer ${demoSession}` } })
  },
  {
    name: "chunked 64 MiB body, no Content-Length, POST /api/users/new",
    expect: [413, 429],
    send: () => fetch(`${base}/api/users/new`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: chunked(64), duplex: "half" } as RequestInit)
  },
  {
    name: "sign-up with a 400,000-character adversarial e-mail",
    expect: [400, 403, 429],
    prepare: async () => void (form = await csrf()),
    send: () => fetch(`${base}/api/users/new.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: form.cookie },
      body: JSON.stringify({ invite: "mbi_x", email: `a@${"a.".repeat(200_000)}`, password: "correct horse battery", password_confirm: "correct horse battery", csrf_token: form.csrf_token })
    })
  },
  {
    name: "sign-up flood with wrong invites (password hashing)",
    expect: [400, 429],
    prepare: async () => void (form = await csrf()),
    send: (i) => fetch(`${base}/api/users/new.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: form.cookie },
      body: JSON.stringify({ invite: `mbi_${i}`, email: `x${i}@example.com`, password: "correct horse battery", password_confirm: "correct horse battery", csrf_token: form.csrf_token })
    })
  },
  {
    name: "malformed multipart (empty boundary), POST /api/users/new",
    expect: [400, 429],
    send: () => fetch(`${base}/api/users/new`, { method: "POST", headers: { "Content-Type": "multipart/form-data; boundary=" }, body: "--\r\nx" })
  },
  {
    name: "malformed multipart (unterminated part), POST /api/accounts/add",
    expect: [400, 429],
    send: () => fetch(`${base}/api/accounts/add`, {
      method: "POST",
      headers: { ...attackerAuth, "Content-Type": "multipart/form-data; boundary=abc" },
      body: "--abc\r\nContent-Disposition: form-data; name=\"utility\"\r\n\r\nDEMO"
    })
  },
  {
    name: "random well-formed tokens (each distinct)",
    expect: [401, 429],
    send: () => fetch(`${base}/api/accounts.json`, { headers: { Authorization: `Token ${TokenSecret.generate()}` } })
  },
  {
    name: "malformed tokens",
    expect: [401, 429],
    send: (i) => fetch(`${base}/api/accounts.json?access_token=mbt_${String(i).padStart(28, "x")}`)
  },
  {
    name: "OAuth callback with guessed state",
    expect: [404, 429],
    send: (i) => fetch(`${base}/api/oauth/callback?state=${i}&code=x`)
  }
]

const results: Array<string> = []
let failed = false
/**
 * The normal client runs in its own thread: the attack's own work (generating 64 MiB streams) must not delay the
 * normal client's requests in this process and pass for server latency.
 */
const NORMAL_CLIENT = `
const { parentPort, workerData } = require("node:worker_threads")
let stop = false
parentPort.on("message", () => { stop = true })
;(async () => {
  const latencies = []
  const statuses = {}
  while (!stop) {
    const t = performance.now()
    let status = 0
    try {
      const res = await fetch(workerData.url, { headers: { Authorization: "Token " + workerData.token } })
      await res.arrayBuffer()
      status = res.status
    } catch {}
    latencies.push(performance.now() - t)
    statuses[status] = (statuses[status] ?? 0) + 1
    await new Promise((r) => setTimeout(r, 25))
  }
  parentPort.postMessage({ latencies, statuses })
})()
`
const normalLoop = (_: { done: boolean }) => {
  const worker = new Worker(NORMAL_CLIENT, { eval: true, workerData: { url: `${base}/api/accounts.json`, token } })
  const result = { latencies: [] as Array<number>, statuses: {} as Record<number, number>, loop: Promise.resolve() }
  const finished = new Promise<void>((resolve) =>
    worker.once("message", (m: { latencies: Array<number>; statuses: Record<number, number> }) => {
      result.latencies = m.latencies
      result.statuses = m.statuses
      void worker.terminate()
      resolve()
    }))
  return {
    get latencies() {
      return result.latencies
    },
    get statuses() {
      return result.statuses
    },
    stop: () => {
      worker.postMessage("stop")
      return finished
    }
  }
}
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN

{
  const stop = { done: false }
  const quiet = normalLoop(stop)
  await new Promise((r) => setTimeout(r, ATTACK_MS))
  stop.done = true
  await quiet.stop()
  results.push(`baseline (no attack): normal GET median ${pct(quiet.latencies, 0.5).toFixed(1)} ms, p99 ${pct(quiet.latencies, 0.99).toFixed(1)} ms, max ${Math.max(...quiet.latencies).toFixed(1)} ms`)
}

for (const attack of attacks) {
  await attack.prepare?.()
  const stop = { done: false }
  const normal = normalLoop(stop)
  const answers: Record<number, number> = {}
  let slowest = 0
  let n = 0
  const end = Date.now() + ATTACK_MS
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < end) {
      const r = await timed(() => attack.send(n++))
      answers[r.status] = (answers[r.status] ?? 0) + 1
      slowest = Math.max(slowest, r.ms)
    }
  }))
  stop.done = true
  await normal.stop()
  const wrong = Object.keys(answers).map(Number).filter((s) => !attack.expect.includes(s))
  const normalBad = Object.keys(normal.statuses).map(Number).filter((s) => s !== 200)
  if (wrong.length > 0 || normalBad.length > 0) failed = true
  results.push(
    `${attack.name}: ${n} requests → ${Object.entries(answers).map(([s, c]) => `${s}×${c}`).join(" ")}, slowest ${slowest.toFixed(0)} ms; ` +
      `normal GET meanwhile: ${normal.latencies.length} requests, median ${pct(normal.latencies, 0.5).toFixed(1)} ms, p99 ${pct(normal.latencies, 0.99).toFixed(1)} ms, max ${Math.max(...normal.latencies).toFixed(1)} ms` +
      `${normalBad.length > 0 ? ` (statuses ${JSON.stringify(normal.statuses)})` : ""}${wrong.length > 0 ? ` — UNEXPECTED ${wrong.join(",")}` : ""}`
  )
}

// Fairness: how long another user's new DEMO account takes to be updated, alone and behind 40 of one user's accounts.
const addDemo = async (t: string) => {
  const res = await fetch(`${base}/api/accounts/add.json`, {
    method: "POST",
    headers: { Authorization: `Token ${t}`, "Content-Type": "application/json" },
    body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "UAPI_TEST_residential", utility_password: "x" })
  })
  return ((await res.json()) as { uid: string }).uid
}
const timeToUpdated = async (t: string) => {
  const started = performance.now()
  const uid = await addDemo(t)
  for (;;) {
    const services = (await (await fetch(`${base}/api/services.json`, { headers: { Authorization: `Token ${t}` } })).json()) as Array<{ account_uid: string; latest: { type: string } | null }>
    if (services.some((s) => s.account_uid === uid && s.latest?.type === "updated")) return (performance.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 100))
  }
}
const alone = await timeToUpdated(other)
for (let i = 0; i < 40; i++) await addDemo(token)
const behind = await timeToUpdated(other)
results.push(`fairness: another user's DEMO account updated in ${alone.toFixed(1)} s alone, ${behind.toFixed(1)} s right after one user added 40 accounts`)

// The server's peak resident memory over the whole run (Linux: VmHWM of the process).
const peak = await import("node:fs").then((fs) => fs.readFileSync(`/proc/${server.pid}/status`, "utf8")).then(
  (status) => /VmHWM:\s+(\d+) kB/.exec(status)?.[1],
  () => undefined
)
if (peak !== undefined) results.push(`server peak RSS over the run: ${(Number(peak) / 1024).toFixed(0)} MiB`)

server.kill("SIGTERM")
await new Promise((r) => server.once("exit", r))
rmSync(dir, { recursive: true, force: true })
for (const line of results) console.log(line)
process.exit(failed ? 1 : 0)
