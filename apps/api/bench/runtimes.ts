/**
 * The same server on Node, Bun and workerd, side by side in one run (one
 * runtime at a time, so they do not share the CPU): authenticated
 * `GET /api/services/<uid>.json` in requests/s, measured by autocannon in a
 * process of its own, and a year of 15-minute intervals as JSON (ms per
 * response). Each figure is also given as a ratio to Node's, measured in the
 * same run. Workers keeps its Store in PostgreSQL: the one MB_TEST_POSTGRES_URL
 * names, else the local one (postgres://postgres@127.0.0.1:5432/postgres) when
 * it answers; each run creates its own database there and drops it after.
 *
 *   npx -y -p node@24 -p pnpm@10 -c 'pnpm --filter @meterbridge/api bench:runtimes'
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { type RuntimeName, start } from "../test/runtimes/launch.ts"

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? "5")
const CONNECTIONS = Number(process.env["BENCH_CONCURRENCY"] ?? "8")
const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"

/** The PostgreSQL to create the Workers leg's database in, or undefined (then Workers is left out, and said so). */
const postgres = async (): Promise<string | undefined> => {
  const given = process.env["MB_TEST_POSTGRES_URL"]
  if (given) return given
  const { default: pg } = await import("pg")
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    return LOCAL_POSTGRES
  } catch (e) {
    console.log(`runtimes: no PostgreSQL at ${LOCAL_POSTGRES} (${e instanceof Error ? e.message : String(e)}): Workers left out; set MB_TEST_POSTGRES_URL`)
    return undefined
  } finally {
    await client.end().catch(() => undefined)
  }
}

const POSTGRES = await postgres()
const runtimes: ReadonlyArray<RuntimeName> = POSTGRES ? ["node", "bun", "workers"] : ["node", "bun"]
const AUTOCANNON = join(import.meta.dirname, "../node_modules/.bin/autocannon")

const autocannon = (url: string, token: string) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(AUTOCANNON, ["-j", "-c", String(CONNECTIONS), "-d", String(SECONDS), "-H", `Authorization=Token ${token}`, url], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.on("exit", () => {
      try {
        const result = JSON.parse(out) as { requests: { average: number }; non2xx: number }
        if (result.non2xx > 0) reject(new Error(`${result.non2xx} answers were not 2xx`))
        else resolve(result.requests.average)
      } catch (e) {
        reject(e)
      }
    })
  })

const results: Array<{ name: RuntimeName; rps: number; yearMs: number; bytes: number }> = []
for (const name of runtimes) {
  const server = await start(name, POSTGRES)
  try {
    const auth = { authorization: `Token ${server.token}` }
    const added = await fetch(`${server.base}/api/accounts/add.json`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: "Bench", utility_username: "test", utility_password: "test" })
    }).then((r) => r.json()) as { uid: string }
    let services: Array<{ uid: string; utility_service_id: string; latest?: { type?: string } }> = []
    for (let i = 0; i < 1200 && !(services.length > 0 && services.every((s) => s.latest?.type === "updated")); i++) {
      await new Promise((r) => setTimeout(r, 100))
      services = await fetch(`${server.base}/api/services.json?accounts=${added.uid}`, { headers: auth }).then((r) => r.json()) as typeof services
    }
    // The same service on every runtime (uids are random; DEMO's service ids are not).
    const uid = [...services].sort((a, b) => (a.utility_service_id < b.utility_service_id ? -1 : 1))[0]!.uid
    const rps = await autocannon(`${server.base}/api/services/${uid}.json`, server.token)
    const end = new Date()
    const startDate = new Date(end.getTime() - 365 * 86_400_000)
    const yearUrl = `${server.base}/api/services/${uid}/intervals.json?start=${startDate.toISOString().slice(0, 10)}&end=${end.toISOString().slice(0, 10)}`
    await fetch(yearUrl, { headers: auth }).then((r) => r.arrayBuffer()) // warm-up
    const times: Array<number> = []
    let bytes = 0
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      bytes = (await fetch(yearUrl, { headers: auth }).then((r) => r.arrayBuffer())).byteLength
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    results.push({ name, rps, yearMs: times[2]!, bytes })
  } finally {
    await server.stop()
  }
}

const node = results.find((r) => r.name === "node")!
console.log(`runtimes: autocannon ${CONNECTIONS} connections × ${SECONDS} s (separate process); a year of intervals: median of 5 GETs`)
console.log("runtime   GET /api/services/<uid>.json   vs Node   year of intervals JSON   vs Node")
for (const r of results) {
  console.log(
    `${r.name.padEnd(9)} ${r.rps.toFixed(0).padStart(10)} req/s              ${(r.rps / node.rps).toFixed(2).padStart(5)}x   ` +
    `${r.yearMs.toFixed(0).padStart(6)} ms (${(r.bytes / 2 ** 20).toFixed(1)} MiB)       ${(node.yearMs / r.yearMs).toFixed(2).padStart(5)}x`
  )
}
