/**
 * `meterbridge-greenbutton summarize` as a whole process (start-up, reading, output) on the generated 10-year
 * 15-minute feed, in both layouts, against the minimal saxes extraction loop (`bareLoop.ts`) as a whole process on
 * the same file. Rounds alternate the two so load on a shared machine hits both alike; the best round of each counts.
 * Peak RSS is each child's own `process.resourceUsage().maxRSS`, reported by a preloaded exit hook. Both children
 * share one Node compile cache (the CLI turns it on for its users; the bare loop gets it here too) and one untimed
 * warm-up round fills it, so neither pays for compiling or type stripping more than once.
 *
 *   node bench/summarize.bench.ts [rounds]     # default 3
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { expectedTotal, fmt, generateFeed, LAYOUTS, READINGS } from "./feed.ts"

const ROUNDS = Math.max(3, Number(process.argv[2] ?? 3))
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url))
const BARE = fileURLToPath(new URL("./bareLoop.ts", import.meta.url))
const REPORT_RSS = `data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxRSS="+process.resourceUsage().maxRSS+"\\n"))`

interface Run { readonly seconds: number; readonly maxRssMB: number; readonly stdout: string }

const timed = (args: ReadonlyArray<string>, compileCache: string): Run => {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [`--import=${REPORT_RSS}`, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, NODE_COMPILE_CACHE: compileCache }
  })
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}): ${r.stderr}`)
  const rss = /maxRSS=(\d+)/.exec(r.stderr)
  return { seconds, maxRssMB: rss === null ? NaN : Number(rss[1]) / 1024, stdout: r.stdout }
}

const main = () => {
  const dir = mkdtempSync(join(tmpdir(), "mb-summarize-bench-"))
  const expected = expectedTotal()
  let worstRatio = Infinity, worstRss = 0
  let allCorrect = true
  return (async () => {
    try {
      for (const layout of LAYOUTS) {
        const file = join(dir, `${layout}.xml`)
        const mb = (await generateFeed(file, layout)) / 1e6
        const bare: Array<Run> = [], mine: Array<Run> = []
        const cache = join(dir, "compile-cache")
        for (let round = -1; round < ROUNDS; round++) {
          const b = timed([BARE, file], cache), m = timed([CLI, "summarize", file], cache)
          if (round < 0) continue
          bare.push(b)
          mine.push(m)
        }
        const [u] = JSON.parse(mine[0]!.stdout) as Array<{ readingCount: number; totalKWh: { import: number }; gaps: Array<unknown> }>
        const correct = u !== undefined && u.readingCount === READINGS && Math.abs(u.totalKWh.import - expected) < 1e-6 * expected
        allCorrect &&= correct
        const best = (runs: Array<Run>) => Math.min(...runs.map((r) => r.seconds))
        const peak = (runs: Array<Run>) => Math.max(...runs.map((r) => r.maxRssMB))
        const ratio = best(bare) / best(mine)
        worstRatio = Math.min(worstRatio, ratio)
        worstRss = Math.max(worstRss, peak(mine))
        console.log(`\n${layout}: ${fmt(mb, 1)} MB, ${fmt(READINGS)} readings, whole process, best of ${ROUNDS} alternating rounds`)
        for (const [name, runs] of [["bare saxes loop", bare], ["summarize", mine]] as const) {
          console.log(`  ${name.padEnd(16)} ${fmt(mb / best(runs), 1).padStart(6)} MB/s  ${fmt(best(runs), 2)} s (all: ${runs.map((r) => fmt(r.seconds, 2)).join(", ")})  peak RSS ${fmt(peak(runs))} MB`)
        }
        console.log(`  summarize: ${correct ? "correct" : "WRONG"} (${u?.readingCount} readings, ${u?.totalKWh.import} kWh; expected ${READINGS}, ${fmt(expected, 1)})`)
        console.log(`  ratio summarize / bare loop: ${fmt(ratio * 100, 1)} %  (target ≥ 75 %)`)
        rmSync(file)
      }
      console.log(`\nsummarize: worst ratio ${fmt(worstRatio * 100, 1)} % (target ≥ 75 %), peak RSS ${fmt(worstRss)} MB (target ≤ 200 MB), ${allCorrect ? "correct on both layouts" : "WRONG totals"}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })()
}

await main()
