import { readFileSync, writeFileSync } from "node:fs"
import autocannon from "autocannon"
import { buildFixture } from "./fixture.ts"
import { startApi, startBare } from "./processes.ts"
const fixture = await buildFixture()
const api = await startApi(fixture.databaseUrl, {})
const body = await (await fetch(`${api.base}/api/services/s1.json`, { headers: { Authorization: `Token ${fixture.token}` } })).text()
writeFileSync(`${fixture.dir}/b.json`, body)
const bare = await startBare(`${fixture.dir}/b.json`, "application/json; charset=utf-8")
const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return [Number(f[11]), Number(f[12])] }
for (const [name, srv, path, headers] of [["api v1", api, "/api/services/s1.json", { Authorization: `Token ${fixture.token}` }], ["bare", bare, "/api/services/s1.json", {}], ["api v2", api, "/api/v2/meters/s1", { Authorization: `Token ${fixture.token}` }]] as const) {
  const run = (s: number) => new Promise<any>((r) => autocannon({ url: srv.base + path, headers, connections: 50, duration: s }, (_e, res) => r(res)))
  await run(1)
  const [u0, s0] = ticks(srv.pid); const res = await run(4); const [u1, s1] = ticks(srv.pid)
  const n = res.requests.total
  console.log(`${name}: ${res.requests.average} req/s p99 ${res.latency.p99}; CPU µs/req user ${((u1 - u0) * 1e4 / n).toFixed(1)} sys ${((s1 - s0) * 1e4 / n).toFixed(1)}`)
}
await api.stop(); await bare.stop(); fixture.close()
