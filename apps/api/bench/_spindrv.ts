import { spawn } from "node:child_process"
import { mkdirSync, rmSync, readFileSync, readdirSync } from "node:fs"
import autocannon from "autocannon"
for (const us of [0, 20, 40, 60]) {
  const dir = `/tmp/spin-${us}`; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir)
  const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "bench/_spin.ts", String(us)], { stdio: ["ignore", "pipe", "inherit"] })
  const base: string = await new Promise((r) => child.stdout!.on("data", (d: Buffer) => { const m = /listening (\S+)/.exec(d.toString()); if (m) r(m[1]!) }))
  const run = (s: number) => new Promise<any>((r) => autocannon({ url: base, connections: 50, duration: s }, (_e, res) => r(res)))
  const res = await run(4)
  await new Promise<void>((r) => { child.once("exit", () => r()); child.kill("SIGTERM") })
  const p = JSON.parse(readFileSync(dir + "/" + readdirSync(dir).find(f => f.endsWith(".cpuprofile"))!, "utf8"))
  const byId = new Map<number, any>(p.nodes.map((x: any) => [x.id, x])); let w = 0
  for (let i = 0; i < p.samples.length; i++) if (byId.get(p.samples[i]).callFrame.functionName === "writeUtf8String") w += p.timeDeltas[i]
  console.log(`spin ${us} µs: ${res.requests.average} req/s, write ${(w / res.requests.total).toFixed(1)} µs/req`)
}
