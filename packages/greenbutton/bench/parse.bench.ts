/**
 * ESPI parse rate on a generated 10-year 15-minute feed (350,400 readings), in both layouts seen in the wild, against
 * a bare extraction loop (start, duration, value) over the same streaming tokenizer (saxes, same options), measured
 * in the same run. Each measurement runs in its own Node process so peak RSS is not shared.
 *
 *   node bench/parse.bench.ts            # prints MB/s, readings/s, ratio parseEspi / bare loop, peak RSS
 */
import { execFileSync } from "node:child_process"
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { SaxesParser } from "saxes"
import { parseEspi } from "../src/Espi.ts"
import { writeEspiFeed } from "../src/EspiWriter.ts"

const YEARS = 10
const READINGS = YEARS * 365 * 96
const T0 = Date.UTC(2015, 0, 1, 8) / 1000
const valueAt = (i: number) => ((i * 7919) % 2500) / 1000 // kWh with whole Wh
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
  } else {
    // The minimal loop: local names, three fields, one counter and one sum.
    const p = new SaxesParser({ xmlns: false, position: false })
    let field = 0, text = "", inReading = false
    let start = 0, duration = 0, value = 0
    p.on("opentag", (t) => {
      const i = t.name.indexOf(":")
      const n = i < 0 ? t.name : t.name.slice(i + 1)
      if (n === "IntervalReading") inReading = true
      else if (inReading) field = n === "start" ? 1 : n === "duration" ? 2 : n === "value" ? 3 : 0
      text = ""
    })
    p.on("text", (s) => {
      if (field !== 0) text += s
    })
    p.on("closetag", (t) => {
      if (field !== 0) {
        const v = Number(text)
        if (field === 1) start = v
        else if (field === 2) duration = v
        else value = v
        field = 0
        return
      }
      if (t.name.endsWith("IntervalReading")) {
        inReading = false
        if (start >= 0 && duration > 0) {
          readings++
          total += value / 1000
        }
      }
    })
    const decoder = new TextDecoder()
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) p.write(decoder.decode(chunk as Buffer, { stream: true }))
    p.close()
  }
  const seconds = (performance.now() - t0) / 1000
  const result: Result = { readings, total, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }
  process.stdout.write(JSON.stringify(result))
}

const generate = async (file: string, layout: "entryPerBlock" | "blocksInOneEntry"): Promise<number> => {
  function* readings() {
    for (let i = 0; i < READINGS; i++) yield { start: T0 + i * 900, duration: 900, value: valueAt(i), cost: valueAt(i) * 0.3 }
  }
  const out = createWriteStream(file)
  for await (const chunk of writeEspiFeed({
    subscriptionId: "bench",
    localTime: { tzOffset: -28800, dstOffset: 3600, dstStartRule: "360E2000", dstEndRule: "B40E2000" },
    usagePoints: [{
      id: "1", kind: "electricity", title: "10 years of 15-minute data",
      meterReadings: [{ id: "1", readingType: { id: "1", unit: "kWh", flow: "delivered", intervalLength: 900, currency: 840 }, readings: readings() }]
    }]
  }, { layout })) {
    if (!out.write(chunk)) await new Promise<void>((ok) => out.once("drain", () => ok()))
  }
  await new Promise<void>((ok, ko) => out.end((e?: Error | null) => (e ? ko(e) : ok())))
  return statSync(file).size
}

const main = async () => {
  const self = fileURLToPath(import.meta.url)
  const dir = mkdtempSync(join(tmpdir(), "mb-espi-bench-"))
  let expected = 0
  for (let i = 0; i < READINGS; i++) expected += valueAt(i)
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
  let worstRatio = Infinity, worstRss = 0
  try {
    for (const layout of ["entryPerBlock", "blocksInOneEntry"] as const) {
      const file = join(dir, `${layout}.xml`)
      const bytes = await generate(file, layout)
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
