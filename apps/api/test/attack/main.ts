/**
 * `pnpm attack`: the attacks of issue #8 against a fresh `pnpm start` (test
 * mode, default settings) on loopback, each for a few seconds with several
 * connections, while a normal client reads its accounts every 25 ms with its
 * token. Prints, per attack, the answers it got (status × count, slowest) and
 * the normal client's latency (median, slowest) meanwhile. Exits 1 if an
 * attack got a 2xx or 5xx where a 4xx is due, or a normal request failed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TokenSecret from "../../src/shared/TokenSecret.ts"

const MAIN = join(import.meta.dirname, "../../src/main.node.ts")
const ATTACK_MS = Number(process.env["ATTACK_MS"] ?? 3000)
const CONNECTIONS = 8

const dir = mkdtempSync(join(tmpdir(), "mb-attack-"))
const token = TokenSecret.generate()
const server: ChildProcess = spawn(process.execPath, [MAIN], {
  cwd: dir,
  env: { ...process.env, PORT: "0", METERBRIDGE_BOOTSTRAP_TOKEN: token, METERBRIDGE_LOG_REQUESTS: "0", DATABASE_URL: "" },
  stdio: ["ignore", "pipe", "pipe"]
})
const base = await new Promise<string>((resolve, reject) => {
  let out = ""
  const onData = (d: Buffer) => {
    out += d.toString()
    const m = /Meterbridge API on (http:\/\/[^\s"]+)\/api/.exec(out)
    if (m) resolve(m[1]!)
  }
  server.stdout!.on("data", onData)
  server.stderr!.on("data", onData)
  server.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)))
})

const auth = { Authorization: `Token ${token}` }
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
  const res = await fetch(`${base}/api/users/new.json`)
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
      headers: { ...auth, "Content-Type": "multipart/form-data; boundary=abc" },
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
const normalLoop = (stop: { done: boolean }) => {
  const latencies: Array<number> = []
  const statuses: Record<number, number> = {}
  const loop = (async () => {
    while (!stop.done) {
      const r = await timed(() => fetch(`${base}/api/accounts.json`, { headers: auth }))
      latencies.push(r.ms)
      statuses[r.status] = (statuses[r.status] ?? 0) + 1
      await new Promise((res) => setTimeout(res, 25))
    }
  })()
  return { latencies, statuses, loop }
}
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN

{
  const stop = { done: false }
  const quiet = normalLoop(stop)
  await new Promise((r) => setTimeout(r, ATTACK_MS))
  stop.done = true
  await quiet.loop
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
  await normal.loop
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
const cli = (...args: Array<string>) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "../../src/cli.ts"), ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: "" } })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`meterbridge ${args.join(" ")} exited ${code}`))))
  })
await cli("users", "create", "--email", "other@example.com")
const other = (await cli("tokens", "create", "--user", "other@example.com")).trim().split("\n").pop()!
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

server.kill("SIGTERM")
await new Promise((r) => server.once("exit", r))
rmSync(dir, { recursive: true, force: true })
for (const line of results) console.log(line)
process.exit(failed ? 1 : 0)
