/**
 * Crash safety (goal J-1 in the reliability notes): a writer SIGKILLed at
 * random moments, mid-transaction as often as not, leaves a database that
 * passes `integrity_check`, holds whole batches only, loses no acknowledged
 * batch, and whose service summary agrees with its rows.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import { afterAll, assert, describe, it } from "vitest"
import { KyselyStore, migrate } from "../src/index.ts"
import { openSqlite, openSqliteDatabase } from "../src/sqlite.ts"

const KILLS = 12
const T0 = 1_704_067_200_000_000
const QUARTER = 900_000_000
const DAY = 86_400_000_000
const BATCH = 14 * 96

const dir = mkdtempSync(join(tmpdir(), "mb-crash-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the writer until it has acknowledged one batch, then kills it after a random delay; returns the acks seen. */
const writeThenKill = (path: string, maxDelayMs: number): Promise<Array<number>> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "crashWriter.ts"), path, "s1"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    const acks: Array<number> = []
    let stderr = ""
    let buffered = ""
    let armed = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk
      const lines = buffered.split("\n")
      buffered = lines.pop()!
      for (const line of lines) if (line.startsWith("ack ")) acks.push(Number(line.slice(4)))
      if (!armed && acks.length > 0) {
        armed = true
        setTimeout(() => child.kill("SIGKILL"), Math.random() * maxDelayMs)
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(acks) : reject(new Error(`writer exited on its own: ${stderr}`)))
  })

describe("SQLite crash safety", () => {
  it(`survives ${KILLS} SIGKILLs mid-write with whole batches only`, { timeout: 120_000 }, async () => {
    const path = join(dir, "crash.db")
    const db = openSqlite(path)
    await migrate(db)
    const store = KyselyStore.make(db, { dialect: "sqlite" })
    await Effect.runPromise(store.createAccount({
      uid: "a1", user_uid: "u1", utility: "DEMO", created: T0, auth_type: "owner", auth: "x", auth_expires: null,
      login: "credentials", latest: null, sealed_grant: "g", authorization_ref: null, authorization_url: null, ...Store.v1AccountFields
    }))
    await Effect.runPromise(store.upsertService({
      uid: "s1", user_uid: "u1", account_uid: "a1", utility: "DEMO", created: T0, active_until: null, latest: null,
      last_collected: null, ...Store.v1ServiceFields, utility_service_id: "SVC-1", utility_tariff_name: null, utility_service_address: null,
      utility_billing_account: null, utility_billing_contact: null, utility_billing_address: null, utility_meter_number: null
    }))
    await db.destroy()

    let acknowledged = -1
    for (let kill = 0; kill < KILLS; kill++) {
      const acks = await writeThenKill(path, 120)
      acknowledged = Math.max(acknowledged, ...acks)

      const check = openSqliteDatabase(path)
      try {
        assert.strictEqual(check.pragma("integrity_check", { simple: true }), "ok")
        const rows = check.prepare("select interval_start as s, kwh from intervals where service_uid = 's1' order by interval_start")
          .all() as Array<{ s: number; kwh: number }>
        const last = Math.max(...rows.map((r) => Math.floor(r.kwh)))
        assert.isAtLeast(last, acknowledged, "every acknowledged batch is there")
        // Committed batches 0..last: days [7j, 7j+7) hold batch j, and batch `last` holds its whole two weeks.
        const expected = Array.from({ length: 7 * 96 * last + BATCH }, (_, n) => {
          const k = Math.min(Math.floor(n / (7 * 96)), last)
          return { s: T0 + n * QUARTER, kwh: k + (n - 7 * 96 * k) / 1_000_000 }
        })
        assert.strictEqual(rows.length, expected.length, `after kill ${kill + 1}: whole batches only`)
        for (let n = 0; n < rows.length; n++) {
          if (rows[n]!.s !== expected[n]!.s || Math.abs(rows[n]!.kwh - expected[n]!.kwh) > 1e-9) {
            assert.fail(`after kill ${kill + 1}: row ${n} is ${JSON.stringify(rows[n])}, expected ${JSON.stringify(expected[n])}`)
          }
        }
        const summary = check.prepare("select interval_count, interval_coverage from services where uid = 's1'").get() as {
          interval_count: number
          interval_coverage: string
        }
        assert.strictEqual(summary.interval_count, rows.length, "the summary was written with the rows")
        assert.deepStrictEqual(JSON.parse(summary.interval_coverage), [[T0, T0 + rows.length * QUARTER]])
      } finally {
        check.close()
      }
    }
    assert.isAtLeast(acknowledged, KILLS, "the writer made progress between kills")
    void DAY
  })
})
