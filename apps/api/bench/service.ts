/**
 * Authenticated `GET /api/services/<uid>.json` (token lookup, rate limit,
 * ownership check, the service view with its counts) in requests/s, against a
 * bare Hono route served the same way (same process, same @hono/node-server,
 * same fetch loop).
 */
import { Hono } from "hono"
import { listen, ratio, setup, throughput } from "./setup.ts"

const MS = Number(process.env["BENCH_MS"] ?? "4000")
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? "8")

const b = await setup()
const api = await listen(b.app)
const bare = new Hono()
bare.get("/ping", (c) => c.json({ ok: true }))
const baseline = await listen(bare)

const get = (url: string, headers: Record<string, string> = {}) => async () => {
  const res = await fetch(url, { headers })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${url}`)
}

const serviceUrl = `${api.base}/api/services/${b.serviceUid}.json`
const auth = { Authorization: `Token ${b.token}` }
await throughput(500, CONCURRENCY, get(serviceUrl, auth)) // warm-up
await throughput(500, CONCURRENCY, get(`${baseline.base}/ping`))
// Alternating slices, so load drift on a shared machine hits both sides alike.
const SLICES = 4
let bareSum = 0
let apiSum = 0
for (let i = 0; i < SLICES; i++) {
  bareSum += await throughput(MS / SLICES, CONCURRENCY, get(`${baseline.base}/ping`))
  apiSum += await throughput(MS / SLICES, CONCURRENCY, get(serviceUrl, auth))
}
console.log(`service: ${MS} ms per side in ${SLICES} alternating slices, ${CONCURRENCY} concurrent fetch loops, service with a year of intervals (SQLite)`)
ratio("GET /api/services/<uid>.json", apiSum / SLICES, bareSum / SLICES, "req/s")

await api.close()
await baseline.close()
await b.close()
