import { spawn } from "node:child_process"
import { writeFileSync, mkdirSync, rmSync } from "node:fs"
import autocannon from "autocannon"
import { buildFixture } from "./fixture.ts"
import { startApi } from "./processes.ts"
const which = process.argv[2]!
const fixture = await buildFixture()
const dir = `/tmp/cmp-${which}`; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir)
let base: string, stop: () => Promise<void>, headers: Record<string, string> = {}
if (which === "api") {
  const api = await startApi(fixture.databaseUrl, {}, ["--cpu-prof", `--cpu-prof-dir=${dir}`]); base = api.base; stop = api.stop
  headers = { Authorization: `Token ${fixture.token}` }
} else {
  const body = await (async () => { const a = await startApi(fixture.databaseUrl); const t = await (await fetch(`${a.base}/api/services/s1.json`, { headers: { Authorization: `Token ${fixture.token}` } })).text(); await a.stop(); return t })()
  writeFileSync(`${fixture.dir}/b.json`, body)
  const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "bench/bare.ts", `${fixture.dir}/b.json`, "application/json; charset=utf-8"], { stdio: ["ignore", "pipe", "inherit"] })
  base = await new Promise((r) => child.stdout!.on("data", (d: Buffer) => { const m = /listening (\S+)/.exec(d.toString()); if (m) r(m[1]!) }))
  stop = () => new Promise((r) => { child.once("exit", () => r()); child.kill("SIGTERM") })
}
const run = (s: number) => new Promise<any>((r) => autocannon({ url: `${base}/api/services/s1.json`, headers, connections: 50, duration: s }, (_e, res) => r(res)))
await run(2)
const res = await run(5)
console.log(which, "total requests", res.requests.total + 0, "rps", res.requests.average)
await stop(); fixture.close()
