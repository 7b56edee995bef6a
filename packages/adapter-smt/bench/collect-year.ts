/**
 * Collecting a year of 15-minute reads for one ESIID from the sandbox, end
 * to end (HTTP on loopback, RD parsing, DST mapping, Store upserts into
 * SQLite), against the Store's own ingest of the same rows in the same run.
 *
 *   pnpm --filter @meterbridge/adapter-smt bench
 */
import { serve } from "@hono/node-server"
import { mkdtempSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import type { Collector } from "@meterbridge/core"
import { Store } from "@meterbridge/core"
import { Timestamp } from "@meterbridge/core"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import { openSqlite } from "@meterbridge/store-kysely/sqlite"
import { Effect, Stream } from "effect"
import { DEFAULT_METERS, makeSandbox } from "../src/SmtSandbox.ts"
import * as SmtCollector from "../src/SmtCollector.ts"

const RUNS = 3
const BATCH = 5000
const meter = DEFAULT_METERS.find((m) => !m.test && !m.solar)!
// 2024 in Texas: 366 local days, 35,136 quarter hours (the DST days cancel out).
const window: Collector.DateWindow = {
  start: Timestamp.fromMillis(Date.parse("2024-01-01T06:00:00Z")),
  end: Timestamp.fromMillis(Date.parse("2025-01-01T06:00:00Z"))
}

const sandbox = makeSandbox()
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: sandbox.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s))
})
const collector = SmtCollector.make({
  baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  username: sandbox.username,
  password: sandbox.password,
  requestorId: sandbox.requestorId,
  duns: sandbox.duns
})
const context = { accountUid: "bench", callbackUrl: "http://127.0.0.1:9/", registration: "live" } as const
const pending = await Effect.runPromise(
  collector.authorize({ esiid: meter.esiid, meter_number: meter.meterNumber, rep: "10004", email: "b@example.com" }, context)
)
if (pending._tag !== "AwaitingCustomer") throw new Error("expected an agreement awaiting the customer")
sandbox.agreements.confirm(pending.reference)
const { grant } = await Effect.runPromise(collector.resumeAuthorization(pending.grant, undefined))
const [service] = await Effect.runPromise(collector.listServices(grant))

const dir = mkdtempSync(join(tmpdir(), "mb-smt-bench-"))
let dbCount = 0
/** A fresh migrated SQLite Store holding one user, account and service. */
const freshStore = async () => {
  const db = openSqlite(join(dir, `store-${dbCount++}.db`))
  await migrate(db)
  const store = KyselyStore.make(db)
  const now = Timestamp.fromMillis(Date.now())
  await Effect.runPromise(Effect.gen(function*() {
    yield* store.createUser({ uid: "u1", email: "bench@example.com", password_hash: null, created: now })
    yield* store.createAccount({
      uid: "a1", user_uid: "u1", utility: "SMT", created: now, auth_type: "3rdparty", auth: "b@example.com",
      auth_expires: null, login: "smt_agreement", latest: null, sealed_grant: "x", authorization_ref: null, authorization_url: null, ...Store.v1AccountFields
    })
    yield* store.upsertService({
      ...service!, uid: "s1", user_uid: "u1", account_uid: "a1", utility: "SMT", created: now, active_until: null,
      latest: null, last_collected: null, ...Store.v1ServiceFields
    })
  }))
  return { store, db }
}
const record = (i: Collector.CollectedInterval): Store.IntervalRecord => ({ ...i, service_uid: "s1", utility: "SMT", updated: 1 })

const collectOnly = () => Effect.runPromise(Stream.runCollect(collector.collectIntervals(grant, service!, window)))
const endToEnd = (store: Store.StoreShape) =>
  Effect.runPromise(collector.collectIntervals(grant, service!, window).pipe(
    Stream.map(record),
    Stream.grouped(BATCH),
    Stream.runForEach((batch) => store.upsertIntervals(batch))
  ))

const time = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// Warm-up: the sandbox generates (and caches) its year of data, the JIT settles.
const rows = Array.from(await collectOnly()).map(record)
if (rows.length !== 366 * 96) throw new Error(`expected ${366 * 96} rows, collected ${rows.length}`)

const collectMs: Array<number> = [], e2eMs: Array<number> = [], ingestMs: Array<number> = []
for (let run = 0; run < RUNS; run++) {
  collectMs.push(await time(collectOnly))
  const a = await freshStore()
  e2eMs.push(await time(() => endToEnd(a.store)))
  await a.db.destroy()
  const b = await freshStore()
  ingestMs.push(await time(async () => {
    for (let i = 0; i < rows.length; i += BATCH) await Effect.runPromise(b.store.upsertIntervals(rows.slice(i, i + BATCH)))
  }))
  await b.db.destroy()
}

await new Promise<void>((resolve) => server.close(() => resolve()))
rmSync(dir, { recursive: true, force: true })

const fmt = (ms: number) => `${ms.toFixed(0)} ms`
console.log(`adapter-smt: one ESIID, 2024, ${rows.length} quarter hours, median of ${RUNS} runs, ${BATCH}-row upserts, SQLite (synchronous=FULL)`)
console.log(`  collection (sandbox over loopback HTTP → parsed intervals): ${fmt(median(collectMs))}`)
console.log(`  end to end (collection + Store.upsertIntervals):           ${fmt(median(e2eMs))}`)
console.log(`  baseline: Store.upsertIntervals of the same rows alone:    ${fmt(median(ingestMs))}`)
console.log(`  ratio end to end / Store ingest: ${(median(e2eMs) / median(ingestMs)).toFixed(2)}×`)
console.log(`  ratio collection / Store ingest: ${(median(collectMs) / median(ingestMs)).toFixed(2)}×`)
