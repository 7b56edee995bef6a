/**
 * `pnpm fuzz [requests] [seed]`: the API fuzzer at scale (default 10,000
 * requests, seed 1), printing its figures. Exits 1 on any 5xx, foreign read
 * or foreign write. The bounded CI run is test/fuzz.test.ts.
 */
import * as Fuzz from "./Fuzz.ts"

const requests = Number(process.argv[2] ?? 10_000)
const seed = Number(process.argv[3] ?? 1)
const started = Date.now()
const figures = await Fuzz.run({ requests, seed, progress: (n) => process.stderr.write(`  ${n} requests…\n`) })
const fourXX = Object.entries(figures.byStatus).filter(([s]) => s.startsWith("4")).sort()
console.log(`fuzz: ${figures.requests} requests over ${figures.routes} routes, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`)
console.log(`  by status: ${Object.entries(figures.byStatus).sort().map(([s, n]) => `${s}: ${n}`).join(", ")}`)
console.log(`  4xx: ${fourXX.reduce((n, [, c]) => n + c, 0)} (${fourXX.map(([s, n]) => `${s}×${n}`).join(" ")})`)
console.log(`  5xx: ${figures.serverErrors}`)
console.log(`  foreign reads: ${figures.foreignReads}`)
console.log(`  foreign writes: ${figures.foreignWrites}`)
console.log(`  peak RSS: ${(figures.peakRssBytes / 1024 / 1024).toFixed(0)} MiB (after setup, before the first request: ${(figures.baselineRssBytes / 1024 / 1024).toFixed(0)} MiB; app, sandboxes' datasets and fuzzer in one process)`)
for (const e of figures.examples) console.log(`  ! ${e}`)
process.exit(figures.serverErrors + figures.foreignReads + figures.foreignWrites === 0 ? 0 : 1)
