/**
 * The scale-out chaos run: API processes and `meterbridge worker` processes
 * on one PostgreSQL (a fresh schema per run), DEMO authorizations added
 * through the APIs in turn, and one worker killed with SIGKILL every few
 * seconds (and restarted) while they collect. Then:
 *
 * - every authorization and its meter must end `updated`;
 * - lost = readings and bills of the sandbox's own dataset missing from the
 *   database over each meter's collected span (from the portal's history
 *   start), duplicated = rows stored twice for one key; both must be 0;
 * - stuck = jobs due but neither done nor running once collection settled.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { sql } from "kysely"
import pg from "pg"
import { Ids, Timestamp } from "@meterbridge/core"
import { DemoSandbox } from "@meterbridge/adapter-demo/sandbox"
import { openPostgres } from "@meterbridge/store-kysely/postgres"
import { KyselyStore } from "@meterbridge/store-kysely"
import * as Tokens from "../../src/shared/Tokens.ts"
import * as TokenSecret from "../../src/shared/TokenSecret.ts"
import { startServer } from "../server.ts"

const CLI = join(import.meta.dirname, "../../src/cli.ts")

export interface ChaosOptions {
  readonly postgresUrl: string
  readonly apis: number
  readonly workers: number
  readonly authorizations: number
  readonly users: number
  /** Keep killing until at least this many kills, and until collection is done. */
  readonly minKills: number
  /** A kill every this many ms, jittered ±50 %. */
  readonly killEveryMs: number
  readonly timeoutMs: number
  readonly log?: (line: string) => void
}

export interface ChaosFigures {
  readonly apis: number
  readonly workers: number
  readonly authorizations: number
  readonly kills: number
  readonly seconds: number
  readonly updated: number
  readonly intervals: number
  readonly bills: number
  readonly lostIntervals: number
  readonly lostBills: number
  readonly duplicatedIntervals: number
  readonly duplicatedBills: number
  readonly wrongValues: number
  readonly stuckJobs: number
  readonly notUpdated: ReadonlyArray<string>
}

const SCENARIO_USERNAME = "UAPI_TEST_residential"

export const run = async (options: ChaosOptions): Promise<ChaosFigures> => {
  const log = options.log ?? (() => undefined)
  const started = Date.now()
  const schema = `mb_chaos_${randomBytes(6).toString("hex")}`
  const admin = new pg.Client({ connectionString: options.postgresUrl })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  const url = new URL(options.postgresUrl)
  url.searchParams.set("options", `-c search_path=${schema}`)
  const databaseUrl = url.toString()
  const dir = mkdtempSync(join(tmpdir(), "mb-chaos-"))
  const children = new Set<ChildProcess>()
  const bootstrapToken = TokenSecret.generate()
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: databaseUrl,
    METERBRIDGE_SECRET_KEY: randomBytes(32).toString("hex"),
    METERBRIDGE_BOOTSTRAP_TOKEN: bootstrapToken,
    METERBRIDGE_TEST_MODE: "1",
    METERBRIDGE_WORKER_LEASE_MS: "3000",
    METERBRIDGE_WORKER_POLL_MS: "100",
    METERBRIDGE_WORKER_OPS_PORT: "0",
    METERBRIDGE_RATE_LIMIT: "10000",
    METERBRIDGE_LOG_REQUESTS: "0",
    METERBRIDGE_LOG_LEVEL: "warn",
    METERBRIDGE_SHUTDOWN_TIMEOUT_MS: "2000",
    PORT: "0"
  }
  const spawnProcess = (args: ReadonlyArray<string>, extra: Record<string, string>) => {
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    child.on("exit", () => children.delete(child))
    return child
  }
  const startApi = async () => {
    const server = await startServer(dir, { ...env, METERBRIDGE_WORKER_CONCURRENCY: "0", METERBRIDGE_LOG_LEVEL: "info" }, (child) => {
      children.add(child)
      child.on("exit", () => children.delete(child))
    })
    return server.base
  }
  const workers: Array<ChildProcess> = []
  const startWorker = () => {
    const child = spawnProcess([CLI, "worker"], {})
    child.stderr!.on("data", (d: Buffer) => log(`worker: ${d.toString().trim().slice(0, 300)}`))
    child.stdout!.resume()
    return child
  }

  const db = openPostgres(databaseUrl, { max: 4 })
  // Interrupted (Ctrl-C): take the child processes down too, so no orphaned worker keeps running.
  const abort = () => {
    for (const c of children) c.kill("SIGKILL")
    process.exit(130)
  }
  process.once("SIGINT", abort)
  process.once("SIGTERM", abort)
  try {
    // The first API migrates and bootstraps; the others start on the migrated database.
    const apis = [await startApi()]
    for (let i = 1; i < options.apis; i++) apis.push(await startApi())
    log(`${apis.length} API processes: ${apis.join(" ")}`)
    for (let i = 0; i < options.workers; i++) workers.push(startWorker())

    // Users and their tokens, written straight into the shared database (as the CLI does).
    const store = KyselyStore.make(db, { dialect: "postgres" })
    const tokens: Array<string> = [bootstrapToken]
    for (let i = 1; i < options.users; i++) {
      const uid = Ids.newUid()
      const now = Timestamp.fromMillis(Date.now())
      await Effect.runPromise(store.createUser({ uid, email: `chaos-${i}@example.com`, password_hash: null, created: now }))
      const { secret } = await Effect.runPromise(Tokens.create(uid, { now }).pipe(Effect.provideService((await import("@meterbridge/core")).Store.Store, store)))
      tokens.push(secret)
    }

    const accounts: Array<{ uid: string; token: string; api: string }> = []
    for (let i = 0; i < options.authorizations; i++) {
      const api = apis[i % apis.length]!
      const token = tokens[i % tokens.length]!
      const res = await fetch(`${api}/api/accounts/add.json`, {
        method: "POST",
        headers: { Authorization: `Token ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: `Chaos ${i}`, utility_username: SCENARIO_USERNAME, utility_password: "x" })
      })
      if (res.status !== 200) throw new Error(`adding authorization ${i} failed: ${res.status} ${await res.text()}`)
      accounts.push({ uid: ((await res.json()) as { uid: string }).uid, token, api })
    }
    log(`${accounts.length} authorizations added`)

    // Kill a worker every few seconds (SIGKILL: no cleanup, leases left behind) and start a new one.
    let kills = 0
    const allUpdated = async () => {
      const rows = await sql<{ n: string }>`select count(*) as n from services where latest is null or latest not like '%"type":"updated"%'`.execute(db)
      const accountsLeft = await sql<{ n: string }>`select count(*) as n from accounts where latest is null or latest not like '%"type":"updated"%'`.execute(db)
      const services = await sql<{ n: string }>`select count(*) as n from services`.execute(db)
      // Settled also means no job is due or running: a job re-run after its worker was killed (at-least-once) sets
      // its service back to pending while it runs again, so "all updated" alone can be a passing moment.
      const jobsDue = await sql<{ n: string }>`select count(*) as n from jobs where run_at <= ${Date.now() * 1000}`.execute(db)
      return Number(rows.rows[0]!.n) === 0 && Number(accountsLeft.rows[0]!.n) === 0 && Number(services.rows[0]!.n) >= options.authorizations &&
        Number(jobsDue.rows[0]!.n) === 0
    }
    const deadline = started + options.timeoutMs
    let done = false
    // Kill until `minKills`, then let the surviving workers finish: every job must survive the kills it saw.
    while (Date.now() < deadline && kills < options.minKills) {
      const wait = options.killEveryMs * (0.5 + Math.random())
      await new Promise((r) => setTimeout(r, wait))
      const index = Math.floor(Math.random() * workers.length)
      workers[index]!.kill("SIGKILL")
      workers[index] = startWorker()
      kills++
      if (kills % 10 === 0) log(`${kills} kills, ${Math.round((Date.now() - started) / 1000)} s`)
      // While the chaos goes on, the APIs keep answering.
      const probe = accounts[kills % accounts.length]!
      const r = await fetch(`${probe.api}/api/accounts/${probe.uid}.json`, { headers: { Authorization: `Token ${probe.token}` } })
      if (r.status !== 200) throw new Error(`an API answered ${r.status} during the chaos`)
    }
    // Settle: no more kills; let the live workers finish what is left.
    done = await allUpdated()
    while (!done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500))
      done = await allUpdated()
    }
    // Anything still due and unleased a few poll intervals later is stuck.
    await new Promise((r) => setTimeout(r, 1500))
    const nowMicros = Date.now() * 1000
    const stuck = await sql<{ n: string }>`select count(*) as n from jobs where run_at <= ${nowMicros} and (locked_until is null or locked_until <= ${nowMicros})`.execute(db)

    const notUpdated = (await sql<{ uid: string; latest: string | null }>`select uid, latest from services where latest is null or latest not like '%"type":"updated"%'
      union all select uid, latest from accounts where latest is null or latest not like '%"type":"updated"%'`.execute(db)).rows
      .map((r) => `${r.uid}: ${r.latest ?? "null"}`)

    // The sandbox's own dataset for the scenario's meter, compared row for row by aggregates over each meter's span.
    const sandbox = DemoSandbox.makeSandbox()
    const meter = sandbox.scenarios.plays.residential.services[0]!
    const perService = (await sql<{ service_uid: string; n: string; first: string; last: string; kwh: number }>`
      select service_uid, count(*) as n, min(interval_start) as first, max(interval_start) as last, sum(kwh) as kwh
      from intervals group by service_uid`.execute(db)).rows
    let lostIntervals = 0
    let wrongValues = 0
    let intervals = 0
    // The first collection of a meter starts at the portal's history start as of when it ran (after `started`, before now).
    const latestHistoryStart = Math.ceil((Date.now() / 1000 - DemoSandbox.HISTORY_SECONDS) / 900) * 900
    for (const s of perService) {
      const first = Number(s.first) / 1e6
      const last = Number(s.last) / 1e6
      const stored = Number(s.n)
      intervals += stored
      // Every slot from the history's start (at the latest) to the last reading stored: gaps and a late head are lost.
      const expectedFrom = Math.min(first, latestHistoryStart)
      let expected = 0
      for (const _ of sandbox.dataset.readings(meter, expectedFrom, last + 1)) expected++
      lostIntervals += Math.max(0, expected - stored)
      let storedWh = 0
      for (const r of sandbox.dataset.readings(meter, first, last + 1)) storedWh += r.wh
      if (Math.abs(storedWh / 1000 - Number(s.kwh)) > 1e-6 * Math.max(1, storedWh / 1000)) wrongValues++
    }
    const servicesWithoutData = (await sql<{ n: string }>`select count(*) as n from services s where not exists (select 1 from intervals i where i.service_uid = s.uid)`.execute(db)).rows[0]!.n
    lostIntervals += Number(servicesWithoutData) * Math.floor(DemoSandbox.HISTORY_SECONDS / 900)

    const billRows = (await sql<{ service_uid: string; n: string; first: string; last_end: string; kwh: number }>`
      select service_uid, count(*) as n, min(bill_start_date) as first, max(bill_end_date) as last_end, sum("bill_total_kWh") as kwh
      from bills group by service_uid`.execute(db)).rows
    let lostBills = 0
    let bills = 0
    for (const b of billRows) {
      const first = Number(b.first) / 1e6
      const lastEnd = Number(b.last_end) / 1e6
      bills += Number(b.n)
      const expected = sandbox.dataset.bills(meter, first, lastEnd, lastEnd)
      lostBills += Math.max(0, expected.length - Number(b.n))
      const expectedKwh = expected.reduce((sum, x) => sum + x.totalKWh, 0)
      if (Math.abs(expectedKwh - Number(b.kwh)) > 1e-6 * Math.max(1, expectedKwh)) wrongValues++
    }
    const dupIntervals = (await sql<{ n: string }>`select count(*) as n from (select service_uid, flow, interval_start from intervals group by service_uid, flow, interval_start having count(*) > 1) d`.execute(db)).rows[0]!.n
    const dupBills = (await sql<{ n: string }>`select count(*) as n from (select service_uid, bill_start_date, bill_end_date from bills group by service_uid, bill_start_date, bill_end_date having count(*) > 1) d`.execute(db)).rows[0]!.n
    const updatedAccounts = Number((await sql<{ n: string }>`select count(*) as n from accounts a where a.latest like '%"type":"updated"%'
      and not exists (select 1 from services s where s.account_uid = a.uid and (s.latest is null or s.latest not like '%"type":"updated"%'))
      and exists (select 1 from services s where s.account_uid = a.uid)`.execute(db)).rows[0]!.n)

    return {
      apis: options.apis,
      workers: options.workers,
      authorizations: accounts.length,
      kills,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      updated: updatedAccounts,
      intervals,
      bills,
      lostIntervals,
      lostBills,
      duplicatedIntervals: Number(dupIntervals),
      duplicatedBills: Number(dupBills),
      wrongValues,
      stuckJobs: Number(stuck.rows[0]!.n),
      notUpdated
    }
  } finally {
    process.off("SIGINT", abort)
    process.off("SIGTERM", abort)
    for (const c of children) c.kill("SIGKILL")
    await db.destroy()
    await admin.query(`drop schema ${schema} cascade`).catch(() => undefined)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  }
}
