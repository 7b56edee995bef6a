/**
 * Webhook delivery to a loopback receiver, on SQLite: events delivered per second by the delivery worker
 * (claim, sign both schemes, POST, record the attempt) against the same number of plain unsigned POSTs of the
 * same bodies with the same concurrency (the baseline), and the delay from an event's commit to its arrival at
 * the receiver while the worker polls as `pnpm start` runs it (median and p99).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Fiber } from "effect"
import { Store, Timestamp, Vault } from "@meterbridge/core"
import { Dispatcher, Endpoints, Payload } from "@meterbridge/webhooks"
import { openStore } from "../src/node/openStore.ts"

const EVENTS = Number(process.env["BENCH_EVENTS"] ?? "3000")
const LATENCY_EVENTS = Number(process.env["BENCH_LATENCY_EVENTS"] ?? "300")
const CONCURRENCY = 16

const received = new Map<string, number>()
const server = createServer((req, res) => {
  req.resume()
  req.on("end", () => {
    const id = req.headers["webhook-id"]
    if (typeof id === "string") received.set(id, performance.timeOrigin + performance.now())
    res.writeHead(200).end("ok")
  })
})
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`

const dir = mkdtempSync(join(tmpdir(), "mb-bench-hooks-"))
const db = await openStore({ kind: "sqlite", path: join(dir, "bench.db") })
await db.migrate()
const vault = await Effect.runPromise(Vault.make(crypto.getRandomValues(new Uint8Array(32))))
const context = Context.make(Store.Store, db.store).pipe(
  Context.add(Vault.Vault, vault),
  Context.add(Endpoints.Settings, { policy: { allowPrivate: true } })
)
const run = <A, E>(e: Effect.Effect<A, E, Store.Store | Vault.Vault>) => Effect.runPromise(Effect.provideContext(e, context))
const { record } = await run(Endpoints.create("bench-user", { url }))
const ping = (ts = Timestamp.fromMillis(Date.now())): Store.EventInput => ({ type: "ping", user_uid: "bench-user", ts, webhook_uid: record.uid })

// Baseline: the same bodies POSTed unsigned by plain fetch loops.
const body = Payload.make([{ uid: "0123456789abcdef", type: "ping", ts: Timestamp.format(Timestamp.fromMillis(Date.now())), delivery_method: "webhook", delivery_target: url, is_delivered: false }]).bytes
let left = EVENTS
const t0 = performance.now()
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (left-- > 0) await (await fetch(url, { method: "POST", body: body as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/json" } })).arrayBuffer()
}))
const baseline = EVENTS / ((performance.now() - t0) / 1000)

await run(Store.Store.use((s) => s.appendEvents(Array.from({ length: EVENTS }, () => ping()))))
const t1 = performance.now()
let delivered = 0
while (delivered < EVENTS) {
  const results = await run(Dispatcher.deliverDue({ fetch: globalThis.fetch, concurrency: CONCURRENCY, batch: 64 }))
  delivered += results.filter((r) => r === "delivered").length
  if (results.length === 0) break
}
const perSecond = delivered / ((performance.now() - t1) / 1000)

// Commit → receive, with the worker running as `pnpm start` runs it (100 ms poll).
received.clear()
const worker = Effect.runFork(Effect.provideContext(Dispatcher.run({ fetch: globalThis.fetch }), context))
const committed = new Map<string, number>()
for (let i = 0; i < LATENCY_EVENTS; i++) {
  await run(Store.Store.use((s) => s.appendEvents([ping()])))
  const at = performance.timeOrigin + performance.now()
  const [latest] = await run(Store.Store.use((s) => s.listEvents("bench-user", { limit: 1 })))
  committed.set(latest!.uid, at)
  await new Promise((r) => setTimeout(r, 5 + Math.random() * 20))
}
const end = Date.now() + 10_000
while ([...committed.keys()].some((k) => !received.has(k)) && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
await Effect.runPromise(Fiber.interrupt(worker))
const delays = [...committed].map(([id, at]) => (received.get(id) ?? Number.NaN) - at).sort((a, b) => a - b)
const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]!

console.log(`webhooks: ${EVENTS} events, one per request, ${CONCURRENCY} in flight, SQLite, loopback receiver`)
console.log(`signed deliveries by the worker: ${perSecond.toFixed(0)} events/s vs unsigned plain POSTs ${baseline.toFixed(0)} events/s = ${(100 * perSecond / baseline).toFixed(1)} %`)
console.log(`commit → received (${LATENCY_EVENTS} events, worker polling every 100 ms): median ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`)

await db.close()
server.close()
rmSync(dir, { recursive: true, force: true })
