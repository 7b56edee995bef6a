/**
 * Authenticated `GET /api/services/<uid>.json` (token, rate limit, ownership,
 * the service view with its counts) and v2 `GET /api/v2/meters/<uid>`, in
 * requests/s and p99 under `autocannon -c 50` from this process, against
 * `pnpm start` in its own process over the bench database; the baseline is a
 * bare Hono route on the same `@hono/node-server` in its own process serving
 * the very same body. Alternating rounds.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { buildFixture } from "./fixture.ts"
import { alternate, load } from "./load.ts"
import { startApi, startBare } from "./processes.ts"

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? "3")
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? "3")
const JSON_TYPE = "application/json; charset=utf-8"

const fixture = await buildFixture()
const api = await startApi(fixture.databaseUrl, {}, process.env["BENCH_PROF"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROF"]}`] : [])
const headers = { Authorization: `Token ${fixture.token}` }
try {
  console.log(`service: autocannon -c 50, ${ROUNDS} alternating rounds of ${SECONDS} s, pnpm start (SQLite, rate limit 100000, request log off) vs bare Hono, each in its own process`)
  for (const [label, path] of [
    ["v1 GET /api/services/<uid>.json", `/api/services/${fixture.serviceUid}.json`],
    ["v2 GET /api/v2/meters/<uid>    ", `/api/v2/meters/${fixture.serviceUid}`]
  ] as const) {
    const res = await fetch(api.base + path, { headers })
    const body = await res.text()
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body}`)
    const bodyFile = join(fixture.dir, "body.json")
    writeFileSync(bodyFile, body)
    const bare = await startBare(bodyFile, JSON_TYPE)
    try {
      await load(api.base + path, headers, 1) // warm-up (JIT, caches)
      await load(bare.base + path, {}, 1)
      const r = await alternate(ROUNDS, () => load(api.base + path, headers, SECONDS, 50, api.pid), () => load(bare.base + path, {}, SECONDS, 50, bare.pid))
      console.log(
        `${label}: ${r.a.rps.toFixed(0)} req/s (p99 ${r.a.p99.toFixed(1)} ms) vs bare Hono ${r.b.rps.toFixed(0)} req/s (p99 ${r.b.p99.toFixed(1)} ms)` +
          ` = ${(100 * r.a.rps / r.b.rps).toFixed(1)} % (target ≥ 50 %), p99 ${(r.a.p99 / Math.max(r.b.p99, 1)).toFixed(2)}× (target ≤ 2×);` +
          ` server CPU ${r.a.cpuUs.toFixed(1)} vs ${r.b.cpuUs.toFixed(1)} µs/request`
      )
    } finally {
      await bare.stop()
    }
  }
} finally {
  await api.stop()
  fixture.close()
}
