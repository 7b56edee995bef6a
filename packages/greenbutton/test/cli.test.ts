import { execFile, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { espiTruth, FIXTURES, read, splitCsv } from "./independent.ts"

const run = promisify(execFile)
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url))
const cli = (...args: Array<string>) => run(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 })
const fixture = (name: string) => fileURLToPath(new URL(name, FIXTURES))

// Each case starts Node; on a loaded machine that takes seconds.
describe("meterbridge-greenbutton (child process)", { timeout: 60_000 }, () => {
  it("summarize on ESPI XML: per usage point kind, count, kWh import/export, span, gaps, duplicates", async () => {
    const file = "gba-sample-batch-three-usagepoints-net-metering.xml"
    const truth = espiTruth(read(new URL(file, FIXTURES)))
    const { stdout } = await cli("summarize", fixture(file))
    const out = JSON.parse(stdout) as Array<{ usagePointId: string; kind: string; readingCount: number; totalKWh: { import: number; export: number }; firstStart: string; lastEnd: string; intervalLengths: Array<number>; gaps: Array<unknown>; duplicates: number }>
    expect(out.map((u) => u.usagePointId)).toEqual(["4284792", "4284793", "4284794"])
    expect(out.reduce((s, u) => s + u.readingCount, 0)).toBe(truth.readings)
    const imp = [...truth.byReadingType.values()].filter((t) => t.flowDirection !== 19).reduce((s, t) => s + t.total, 0)
    const exp = [...truth.byReadingType.values()].filter((t) => t.flowDirection === 19).reduce((s, t) => s + t.total, 0)
    expect(out.reduce((s, u) => s + u.totalKWh.import, 0)).toBeCloseTo(imp, 6)
    expect(out.reduce((s, u) => s + u.totalKWh.export, 0)).toBeCloseTo(exp, 6)
    expect(out[0]).toMatchObject({ kind: "electricity", firstStart: "2011-06-06T07:00:00Z", lastEnd: "2011-06-07T07:00:00Z", intervalLengths: [900], gaps: [], duplicates: 0 })
  })

  it("summarize on a PG&E NEM CSV", async () => {
    const rows = read(new URL("pge-dmd-electric-hourly-nem-import-export-2025.csv", FIXTURES)).split(/\r?\n/).filter((l) => l.startsWith("Electric usage,")).map(splitCsv)
    const { stdout } = await cli("summarize", fixture("pge-dmd-electric-hourly-nem-import-export-2025.csv"))
    const [u] = JSON.parse(stdout)
    expect(u.readingCount).toBe(rows.length * 2)
    expect(u.totalKWh.import).toBeCloseTo(rows.reduce((s, r) => s + Number(r[4]), 0), 6)
    expect(u.totalKWh.export).toBeCloseTo(rows.reduce((s, r) => s + Number(r[5]), 0), 6)
  })

  it("convert --format csv and json give one interval per reading", async () => {
    const file = fixture("sce-bulk-intervalblock-15min-1day.xml")
    const truth = espiTruth(read(new URL("sce-bulk-intervalblock-15min-1day.xml", FIXTURES)))
    const csv = (await cli("convert", file, "--format", "csv")).stdout.trim().split("\n")
    expect(csv[0]).toBe("utility_service_id,flow,interval_start,interval_end,interval_kWh,value,unit,cost,quality")
    expect(csv).toHaveLength(truth.readings + 1)
    expect(csv[1]).toBe("NB6WRU,delivered,2015-08-13T07:00:00.000000+00:00,2015-08-13T07:15:00.000000+00:00,0.27,0.27,kWh,0,")
    const json = JSON.parse((await cli("convert", file, "--format", "json")).stdout) as Array<{ interval_kWh: number }>
    expect(json).toHaveLength(truth.readings)
    expect(json.reduce((s, r) => s + r.interval_kWh, 0)).toBeCloseTo(truth.total, 6)
  })

  // Start-up is a third of `summarize` on a 10-year feed once @meterbridge/core is loaded; nothing on the way needs it.
  it("summarize on an ESPI feed loads neither @meterbridge/core nor effect/Schema", async () => {
    const hook = `data:text/javascript,import{registerHooks}from"node:module";registerHooks({resolve(s,c,n){const r=n(s,c);process.stderr.write("loaded "+r.url+"\\n");return r}})`
    const { stderr } = await run(process.execPath, [`--import=${hook}`, CLI, "summarize", fixture("sce-bulk-intervalblock-15min-1day.xml")])
    const loaded = stderr.split("\n").filter((l) => l.startsWith("loaded "))
    expect(loaded.some((l) => l.includes("/saxes/"))).toBe(true)
    expect(loaded.filter((l) => l.includes("/packages/core/") || /\/effect\/(dist|src)\/Schema/.test(l))).toEqual([])
  })

  it("fails with a clear message and exit code on bad input", async () => {
    await expect(cli("summarize", "/nonexistent.xml")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No such file/) })
    await expect(cli("frobnicate", "x")).rejects.toMatchObject({ code: 2 })
    await expect(cli("convert", fixture("sce-bulk-intervalblock-15min-1day.xml"), "--format", "xls")).rejects.toMatchObject({ code: 2 })
  })
})

describe("meterbridge-greenbutton on packaged downloads", { timeout: 60_000 }, () => {
  // The test builds its zip with the system's Info-ZIP `zip`.
  it.skipIf(spawnSync("zip", ["-v"]).status !== 0)("reads every .xml and .csv inside a .zip, and a .gz", async () => {
    const { mkdtempSync, rmSync, writeFileSync, readFileSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const { gzipSync } = await import("node:zlib")
    const dir = mkdtempSync(join(tmpdir(), "gb-cli-"))
    try {
      const xmlName = "pge-dmd-opower-15min-a10s-sample.xml", csvName = "pge-dmd-electric-hourly-nem-import-export-2025.csv"
      const zip = join(dir, "download.zip")
      await run("zip", ["-j", "-q", zip, fixture(xmlName), fixture(csvName)])
      const out = JSON.parse((await cli("summarize", zip)).stdout) as Array<{ usagePointId: string; readingCount: number }>
      const rows = read(new URL(csvName, FIXTURES)).split(/\r?\n/).filter((l) => l.startsWith("Electric usage,")).length
      expect(out.map((u) => [u.usagePointId, u.readingCount])).toEqual([["290243", espiTruth(read(new URL(xmlName, FIXTURES))).readings], ["electricity", rows * 2]])
      const gz = join(dir, "feed.xml.gz")
      writeFileSync(gz, gzipSync(readFileSync(fixture(xmlName))))
      expect(JSON.parse((await cli("summarize", gz)).stdout)[0].readingCount).toBe(out[0]!.readingCount)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
