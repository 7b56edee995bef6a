/**
 * ESPI parse rate on a generated 10-year 15-minute feed (350,400 readings), in both layouts seen in the wild, against
 * a bare extraction loop (start, duration, value) over the same streaming tokenizer (saxes, same options), measured
 * in the same run. Each measurement runs in its own Node process so peak RSS is not shared.
 *
 *   node bench/parse.bench.ts            # prints MB/s, readings/s, ratio parseEspi / bare loop, peak RSS
 */
import { execFileSync } from "node:child_process"
import { createReadStream, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseEspi } from "../src/Espi.ts"
import { bareLoop } from "./bareLoop.ts"
import { expectedTotal, fmt, generateFeed, LAYOUTS, READINGS } from "./feed.ts"

const RUNS = 5

type Mode = "bare" | "parseEspi"
interface Result { readings: number; total: number; seconds: number; maxRssMB: number }

const child = async (mode: Mode, file: string): Promise<void> => {
  const g = globalThis as { gc?: () => void }
  g.gc?.()
  const t0 = performance.now()
  let readings = 0
  let total = 0
  if (mode === "parseEspi") {
    for await (const r of parseEspi(createReadStream(file, { highWaterMark: 1 << 16 }))) {
      if (r._tag === "Reading") {
        readings++
        total += r.value
      }
    }
  } else ({ readings, total } = await bareLoop(file))
  const seconds = (performance.now() - t0) / 1000
  const result: Result = { readings, total, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }
  process.stdout.write(JSON.stringify(result))
}

const main = async () => {
  const self = fileURLToPath(import.meta.url)
  const dir = mkdtempSync(join(tmpdir(), "mb-espi-bench-"))
  const expected = expectedTotal()
  let worstRatio = Infinity, worstRss = 0
  try {
    for (const layout of LAYOUTS) {
      const file = join(dir, `${layout}.xml`)
      const bytes = await generateFeed(file, layout)
      const mb = bytes / 1e6
      const best: Record<Mode, Result | undefined> = { bare: undefined, parseEspi: undefined }
      for (let run = 0; run < RUNS; run++) {
        for (const mode of ["bare", "parseEspi"] as const) {
          const r = JSON.parse(execFileSync(process.execPath, ["--expose-gc", self, "--child", mode, file], { encoding: "utf8", maxBuffer: 1 << 20 })) as Result
          const b = best[mode]
          if (b === undefined || r.seconds < b.seconds) best[mode] = { ...r, maxRssMB: Math.max(r.maxRssMB, b?.maxRssMB ?? 0) }
          else b.maxRssMB = Math.max(b.maxRssMB, r.maxRssMB)
        }
      }
      const bare = best.bare!, mine = best.parseEspi!
      const ratio = bare.seconds / mine.seconds
      worstRatio = Math.min(worstRatio, ratio)
      worstRss = Math.max(worstRss, mine.maxRssMB)
      const ok = (r: Result) => r.readings === READINGS && Math.abs(r.total - expected) < 1e-6 * expected
      console.log(`\n${layout}: ${fmt(mb, 1)} MB, ${fmt(READINGS)} readings (best of ${RUNS})`)
      for (const [name, r] of [["bare saxes loop", bare], ["parseEspi", mine]] as const) {
        console.log(`  ${name.padEnd(16)} ${fmt(mb / r.seconds, 1).padStart(7)} MB/s  ${fmt(r.readings / r.seconds).padStart(9)} readings/s  peak RSS ${fmt(r.maxRssMB)} MB  totals ${ok(r) ? "ok" : `WRONG (${r.readings} readings, ${r.total} kWh)`}`)
      }
      console.log(`  ratio parseEspi / bare loop: ${fmt(ratio * 100, 1)} %  (target ≥ 75 %)`)
      rmSync(file)
    }
    console.log(`\nworst ratio ${fmt(worstRatio * 100, 1)} % (target ≥ 75 %), parseEspi peak RSS ${fmt(worstRss)} MB (target ≤ 200 MB)`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const i = process.argv.indexOf("--child")
if (i >= 0) await child(process.argv[i + 1] as Mode, process.argv[i + 2]!)
else await main()
