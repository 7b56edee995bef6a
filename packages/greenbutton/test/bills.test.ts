import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { Bill } from "@meterbridge/core"
import { FIXTURES, read, SHARED, splitCsv, usageSummaryTruth } from "./independent.ts"

const run = promisify(execFile)
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url))
const cli = (...args: Array<string>) => run(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 })
const fixture = (name: string) => fileURLToPath(new URL(name, FIXTURES))
const tmp = mkdtempSync(join(tmpdir(), "gb-bills-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The API's timestamp for epoch seconds, built here from Date rather than with core's formatter. */
const apiTime = (s: number) => new Date(s * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00")
const isoZ = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z")
const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)

interface BillOut {
  start: string
  end: string
  days: number
  kWh: number | null
  totalCost: number | null
  lineItems: Array<{ name: string; amount: number }>
  lineItemTotal: number
  duplicates: number
}
interface PointOut { usagePointId: string; bills: Array<BillOut>; billDuplicates: number; billTotal: number | null; issues: Array<string> }

const summarize = async (file: string) => JSON.parse((await cli("summarize", file)).stdout) as Array<PointOut>

describe("bills from Green Button files (child process)", { timeout: 60_000 }, () => {
  it("summarize lists each PG&E billing period: start, end, kWh, total, line items and their sum", async () => {
    const name = "pge-api-usagesummaries-line-items.xml"
    const truth = usageSummaryTruth(read(new URL(name, FIXTURES))).sort((a, b) => a.start - b.start)
    const [u] = await summarize(fixture(name))
    expect(u!.bills).toHaveLength(truth.length)
    u!.bills.forEach((b, i) => {
      const t = truth[i]!
      expect([b.start, b.end, b.days]).toEqual([isoZ(t.start), isoZ(t.start + t.duration), Math.round(t.duration / 86400)])
      expect(b.totalCost).toBe(t.bill)
      expect(b.kWh).toBeCloseTo(t.usage!, 9)
      expect(b.lineItems.map((l) => [l.name, l.amount])).toEqual(t.items.map((x) => [x.note, x.amount]))
      expect(b.lineItemTotal).toBeCloseTo(sum(t.items.map((x) => x.amount)), 9)
      expect(b.duplicates).toBe(0)
    })
    // Only the newest bill is itemized, and its items cover part of its total.
    expect(u!.bills.at(-1)!.lineItems.length).toBeGreaterThan(0)
    expect(u!.billTotal).toBeCloseTo(sum(truth.map((t) => t.bill ?? 0)), 9)
    expect(u!.billDuplicates).toBe(0)
  })

  it("a UsageSummary carried twice for the same period (SCE) is one bill and one counted duplicate", async () => {
    const xml = read(new URL("sce-bulk-intervalblock-15min-1day.xml", FIXTURES))
    const entries = [...xml.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0])
    const summaryEntry = entries.find((e) => /<UsageSummary\b/.test(e))!
    const twice = xml.replace("</feed>", summaryEntry + "\n</feed>")
    const file = join(tmp, "sce-usage-summary-twice.xml")
    writeFileSync(file, twice)
    const copies = usageSummaryTruth(twice)
    expect(copies).toHaveLength(2)
    const [u] = await summarize(file)
    expect(u!.bills).toHaveLength(1)
    expect(u!.bills[0]).toMatchObject({ start: isoZ(copies[0]!.start), totalCost: copies[0]!.bill, duplicates: 1 })
    expect(u!.bills[0]!.kWh).toBeCloseTo(copies[0]!.usage!, 9)
    expect(u!.billDuplicates).toBe(1)
    expect(u!.billTotal).toBe(copies[0]!.bill)
    expect(u!.issues).toEqual([])
  })

  it("a repeated period that disagrees on the total is still billed once, and reported", async () => {
    const xml = read(new URL("sce-bulk-intervalblock-15min-1day.xml", FIXTURES))
    const summaryEntry = [...xml.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0]).find((e) => /<UsageSummary\b/.test(e))!
    const file = join(tmp, "sce-usage-summary-conflict.xml")
    writeFileSync(file, xml.replace("</feed>", summaryEntry.replace(/<billLastPeriod>\d+</, "<billLastPeriod>1<") + "\n</feed>"))
    const [u] = await summarize(file)
    expect(u!.bills.map((b) => b.duplicates)).toEqual([1])
    expect(u!.billTotal).toBe(usageSummaryTruth(xml)[0]!.bill)
    expect(u!.issues.filter((i) => i.startsWith("billConflict"))).toHaveLength(1)
  })

  it("ESPI 1.0 ElectricPowerUsageSummary (Green Button samples) becomes a bill too", async () => {
    const name = "gba-sample-hourly-2011-03-dst-spring.xml"
    const [t] = usageSummaryTruth(read(new URL(name, FIXTURES)))
    const [u] = await summarize(fixture(name))
    expect(u!.bills.map((b) => [b.start, b.end, b.totalCost])).toEqual([[isoZ(t!.start), isoZ(t!.start + t!.duration), t!.bill]])
  })

  it("an Opower billing-data download (one costed reading per billing period, no UsageSummary) gives its bills", async () => {
    const name = "opower-gas-billing-periods-with-cost.xml"
    const xml = read(new URL(name, FIXTURES))
    const readings = [...xml.matchAll(/<IntervalReading>([\s\S]*?)<\/IntervalReading>/g)].map((m) => ({
      cost: Number(/<cost>(\d+)</.exec(m[1]!)![1]) / 1e5,
      start: Number(/<start>(\d+)</.exec(m[1]!)![1]),
      therms: Number(/<value>(\d+)</.exec(m[1]!)![1]) / 1e3
    }))
    const [u] = await summarize(fixture(name))
    expect(u!.bills.map((b) => [b.start, b.totalCost])).toEqual(readings.map((r) => [isoZ(r.start), r.cost]))
    expect(u!.billTotal).toBeCloseTo(sum(readings.map((r) => r.cost)), 6)
    const json = JSON.parse((await cli("convert", fixture(name), "--what", "bills")).stdout) as Array<{ bill_total: number; bill_total_kWh: number | null }>
    expect(json.map((b) => [b.bill_total, b.bill_total_kWh])).toEqual(readings.map((r) => [r.cost, null]))
  })

  it("convert --what bills writes Meterbridge bills as JSON and CSV", async () => {
    const name = "pge-api-usagesummaries-line-items.xml"
    const truth = usageSummaryTruth(read(new URL(name, FIXTURES))).sort((a, b) => a.start - b.start)
    const json = JSON.parse((await cli("convert", fixture(name), "--what", "bills", "--utility", "PG&E")).stdout) as Array<Record<string, unknown>>
    expect(json.map((b) => [b["utility"], b["utility_service_id"], b["bill_start_date"], b["bill_end_date"], b["bill_total"]]))
      .toEqual(truth.map((t) => ["PG&E", t.usagePoint, apiTime(t.start), apiTime(t.start + t.duration), t.bill]))
    json.forEach((b, i) => expect(b["bill_total_kWh"] as number).toBeCloseTo(truth[i]!.usage!, 9))
    const items = (json.at(-1)!["bill_breakdown"] as { line_items: Array<{ name: string; cost: number }> }).line_items
    expect(items.map((l) => [l.name, l.cost])).toEqual(truth.at(-1)!.items.map((x) => [x.note, x.amount]))
    expect(Object.keys(json[0]!).sort()).toEqual(Object.keys(Bill.Bill.fields).filter((k) => k !== "service_uid").sort())

    const csv = (await cli("convert", fixture(name), "--what", "bills", "--format", "csv")).stdout.trim().split("\n").map(splitCsv)
    expect(csv[0]).toEqual(Bill.csvColumns.filter((c) => c !== "service_uid"))
    expect(csv.slice(1).map((r) => [r[csv[0]!.indexOf("bill_start_date")], r[csv[0]!.indexOf("bill_total")]]))
      .toEqual(truth.map((t) => [apiTime(t.start), t.bill === null ? "" : String(t.bill)]))
  })
})

const BILLING_CSV = new URL("greenbutton-csv/", SHARED)
describe.skipIf(!existsSync(BILLING_CSV))("bills from the utilities' CSV bill exports (../shared, read in place)", { timeout: 60_000 }, () => {
  it.each([["pge-dmd-electric-billing-2014-2019.csv", /^Electric billing,/], ["pge-dmd-gas-billing-2008-2019.csv", /^Natural gas billing,/]] as const)(
    "%s: one Meterbridge bill per billing row, totals and usage as written",
    async (name, re) => {
      const path = fileURLToPath(new URL(name, BILLING_CSV))
      const rows = readFileSync(path, "utf8").replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => re.test(l)).map(splitCsv)
      const money = (s: string) => Number(s.replace("$", "")) || 0
      const bills = JSON.parse((await cli("convert", path, "--what", "bills")).stdout) as Array<{ bill_total: number; bill_total_kWh: number | null; bill_bill_days: number }>
      expect(bills).toHaveLength(rows.length)
      expect(sum(bills.map((b) => b.bill_total))).toBeCloseTo(sum(rows.map((r) => money(r[5]!))), 6)
      if (rows[0]![4] === "kWh") expect(sum(bills.map((b) => b.bill_total_kWh!))).toBeCloseTo(sum(rows.map((r) => Number(r[3]))), 6)
      else expect(bills.every((b) => b.bill_total_kWh === null)).toBe(true)
      // END DATE is the last day billed: a 2014-06-27 → 2014-07-07 bill covers 11 days.
      const day = (s: string) => Date.parse(s + "T00:00:00Z") / 86400000
      expect(bills.map((b) => b.bill_bill_days)).toEqual(rows.map((r) => day(r[2]!) - day(r[1]!) + 1))
      const [u] = await summarize(path)
      expect(u!.bills).toHaveLength(rows.length)
      expect(u!.billDuplicates).toBe(0)
    }
  )
})

describe("CLI errors", { timeout: 60_000 }, () => {
  const lines = (s: string) => s.trim().split("\n")
  it.each([
    ["page.html", "<html><body>not a feed</body></html>", /not an Atom <feed>/],
    ["data.json", '{"usage": [1, 2, 3]}', /No Green Button CSV header/],
    ["empty.xml", "", /Empty file/]
  ])("%s: one line naming the problem, exit code 1, no stack", async (name, content, message) => {
    const file = join(tmp, name)
    writeFileSync(file, content)
    for (const args of [["summarize", file], ["convert", file, "--what", "bills"]]) {
      const e = await cli(...args).then(() => undefined, (x: { code: number; stderr: string }) => x)
      expect(e).toMatchObject({ code: 1 })
      expect(lines(e!.stderr)).toHaveLength(1)
      expect(e!.stderr).toMatch(message)
    }
  })

  it("a bad command line: exit code 2 with the usage", async () => {
    for (const args of [["summarize"], ["convert", fixture("sce-bulk-intervalblock-15min-1day.xml"), "--what", "meters"]]) {
      await expect(cli(...args)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/Usage:/) })
    }
  })
})
