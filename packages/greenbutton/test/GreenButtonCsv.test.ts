import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { EspiRecord, Reading, UsageSummary } from "../src/EspiRecord.ts"
import { summarizeRecords } from "../src/EspiSummary.ts"
import { GreenButtonCsvError, parseGreenButtonCsv } from "../src/GreenButtonCsv.ts"
import { FIXTURES, read, SHARED, splitCsv } from "./independent.ts"

const CSV = new URL("greenbutton-csv/", SHARED)
const collect = async (text: string) => {
  const out: Array<EspiRecord> = []
  for await (const r of parseGreenButtonCsv(text)) out.push(r)
  return out
}
const readings = (rs: ReadonlyArray<EspiRecord>, flow?: string) =>
  rs.filter((r): r is Reading => r._tag === "Reading" && (flow === undefined || r.flow === flow))
const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)
const dataRows = (text: string, first: RegExp) => text.split(/\r?\n/).filter((l) => first.test(l)).map(splitCsv)
const iso = (t: number) => new Date(t * 1000).toISOString()
const money = (s: string) => (s.startsWith("-") ? -1 : 1) * Number(s.replace(/[-$]/g, ""))

/** Every reading ends where the next begins: DST handled without gaps or overlaps. */
const contiguous = (rs: ReadonlyArray<Reading>) => rs.every((r, i) => i === 0 || rs[i - 1]!.start + rs[i - 1]!.duration === r.start)

describe("PG&E NEM hourly 2025 (MIT, copied)", () => {
  const text = read(new URL("pge-dmd-electric-hourly-nem-import-export-2025.csv", FIXTURES))
  const rows = dataRows(text, /^Electric usage,/)

  it("keeps import and export apart, with totals and costs equal to the columns", async () => {
    const rs = await collect(text)
    expect(readings(rs, "delivered")).toHaveLength(rows.length)
    expect(readings(rs, "received")).toHaveLength(rows.length)
    expect(sum(readings(rs, "delivered").map((r) => r.value))).toBeCloseTo(sum(rows.map((r) => Number(r[4]))), 6)
    expect(sum(readings(rs, "received").map((r) => r.value))).toBeCloseTo(sum(rows.map((r) => Number(r[5]))), 6)
    expect(sum(readings(rs, "delivered").map((r) => r.cost!))).toBeCloseTo(sum(rows.map((r) => money(r[6]!))), 6)
    expect(readings(rs, "delivered").filter((r) => r.quality === "estimated")).toHaveLength(rows.filter((r) => /estimated/.test(r[7] ?? "")).length)
    expect(readings(rs).some((r) => Object.is(r.cost, -0))).toBe(false)
  })

  it("spring-forward 2025-03-09 (01:00, 02:00, 04:00 labels) is 23 contiguous hours", async () => {
    const day = readings(await collect(text), "delivered").filter((r) => r.start >= Date.UTC(2025, 2, 9, 8) / 1000 && r.start < Date.UTC(2025, 2, 10, 7) / 1000)
    expect(day).toHaveLength(23)
    expect(contiguous(day)).toBe(true)
  })

  it("summarize: no gaps, no duplicates, kWh import/export", async () => {
    const [s] = await summarizeRecords(parseGreenButtonCsv(text))
    expect(s!.gaps).toEqual([])
    expect(s!.duplicates + s!.conflicts).toBe(0)
    expect(s!.totalKWh.export).toBeCloseTo(sum(rows.map((r) => Number(r[5]))), 6)
    expect(s!.firstStart).toBe("2025-01-01T08:00:00Z")
  })
})

describe.skipIf(!existsSync(CSV))("utility CSV corpus in ../shared/fixtures (GPL / unlicensed, read in place)", () => {
  const file = (name: string) => read(new URL(name, CSV))

  it("PG&E hourly 2018: totals, estimated rows, both DST days", async () => {
    const text = file("pge-dmd-electric-hourly-2018.csv")
    const rows = dataRows(text, /^Electric usage,/)
    const rs = readings(await collect(text))
    expect(rs).toHaveLength(rows.length)
    expect(sum(rs.map((r) => r.value))).toBeCloseTo(sum(rows.map((r) => Number(r[4]))), 6)
    expect(sum(rs.map((r) => r.cost!))).toBeCloseTo(sum(rows.map((r) => money(r[6]!))), 6)
    expect(rs.filter((r) => r.quality === "estimated")).toHaveLength(rows.filter((r) => /estimated/.test(r[7] ?? "")).length)
    expect(contiguous(rs)).toBe(true)
    // The two 01:00 rows of 2018-11-04 are 01:00 PDT then 01:00 PST, in file order.
    const fallRows = rows.filter((r) => r[1] === "2018-11-04" && r[2] === "01:00").map((r) => Number(r[4]))
    const fall = rs.filter((r) => r.start === Date.UTC(2018, 10, 4, 8) / 1000 || r.start === Date.UTC(2018, 10, 4, 9) / 1000)
    expect(fall.map((r) => r.value)).toEqual(fallRows)
    const spring = rs.filter((r) => r.start >= Date.UTC(2018, 2, 11, 8) / 1000 && r.start < Date.UTC(2018, 2, 12, 7) / 1000)
    expect(spring).toHaveLength(rows.filter((r) => r[1] === "2018-03-11").length)
    expect(spring).toHaveLength(23)
    expect(iso(spring[2]!.start)).toBe("2018-03-11T10:00:00.000Z") // the 03:00 PDT row
  })

  it("PG&E gas daily: therms, 23/25-hour local days", async () => {
    const text = file("pge-dmd-gas-daily-2014-2019.csv")
    const rows = dataRows(text, /^Natural gas usage,/)
    const rs = readings(await collect(text))
    expect(rs).toHaveLength(rows.length)
    expect(rs.every((r) => r.unit === "therm")).toBe(true)
    expect(sum(rs.map((r) => r.value))).toBeCloseTo(sum(rows.map((r) => Number(r[2]))), 6)
    expect(contiguous(rs)).toBe(true)
    const d = (date: string) => rs[rows.findIndex((r) => r[1] === date)]!.duration / 3600
    expect([d("2015-03-08"), d("2015-03-09"), d("2015-11-01")]).toEqual([23, 24, 25])
  })

  it.each([["pge-dmd-electric-billing-2014-2019.csv", /^Electric billing,/, "kWh"], ["pge-dmd-gas-billing-2008-2019.csv", /^Natural gas billing,/, "therm"]] as const)(
    "%s: one bill per row with usage and cost",
    async (name, re, unit) => {
      const text = file(name)
      const rows = dataRows(text, re)
      const bills = (await collect(text)).filter((r): r is UsageSummary => r._tag === "UsageSummary")
      expect(bills).toHaveLength(rows.length)
      expect(sum(bills.map((b) => b.billLastPeriod!))).toBeCloseTo(sum(rows.map((r) => money(r[5]!))), 6)
      expect(sum(bills.map((b) => b.overallConsumption!))).toBeCloseTo(sum(rows.map((r) => Number(r[3]))), 6)
      expect(bills.every((b) => b.unit === unit)).toBe(true)
      // END DATE is inclusive: a bill ends at local midnight after its last day, where the next one begins.
      expect(bills[0]!.start + bills[0]!.duration).toBe(bills[1]!.start)
    }
  )

  it("SCE NEM 15-min: delivered and received blocks apart; the 100-row fall-back day is 25 contiguous hours", async () => {
    const text = file("sce-nem-15min-2021-10-to-12-dst-fall.csv")
    const lines = text.split(/\r?\n/)
    let flow = ""
    const byFlow: Record<string, Array<number>> = { delivered: [], received: [] }
    for (const l of lines) {
      if (/time period,/.test(l)) flow = /Received/.test(l) ? "received" : "delivered"
      else if (/^"\d{4}-/.test(l)) byFlow[flow]!.push(Number(splitCsv(l)[1]))
    }
    const rs = await collect(text)
    for (const f of ["delivered", "received"]) {
      expect(readings(rs, f)).toHaveLength(byFlow[f]!.length)
      expect(sum(readings(rs, f).map((r) => r.value))).toBeCloseTo(sum(byFlow[f]!), 6)
      expect(contiguous(readings(rs, f))).toBe(true)
    }
    const fallDay = readings(rs, "delivered").filter((r) => r.start >= Date.UTC(2021, 10, 7, 7) / 1000 && r.start < Date.UTC(2021, 10, 8, 8) / 1000)
    expect(fallDay).toHaveLength(100)
  })

  it("SDG&E 15-min: 12-hour clock, spring-forward day of 92 intervals, totals match the preamble", async () => {
    const text = file("sdge-commercial-15min-2021-03-dst-spring.csv")
    const total = Number(/Total Usage,([\d.]+)/.exec(text)![1])
    const rows = dataRows(text, /^"\d+","\d/)
    const rs = readings(await collect(text), "delivered")
    expect(rs).toHaveLength(rows.length)
    expect(sum(rs.map((r) => r.value))).toBeCloseTo(total, 6)
    expect(contiguous(rs)).toBe(true)
    expect(rs.filter((r) => r.start >= Date.UTC(2021, 2, 14, 8) / 1000 && r.start < Date.UTC(2021, 2, 15, 7) / 1000)).toHaveLength(92)
  })
})

describe("CSV errors", () => {
  it("rejects a file that is no Green Button CSV, and bad cells, with GreenButtonCsvError", async () => {
    await expect(collect("a,b,c\n1,2,3\n")).rejects.toBeInstanceOf(GreenButtonCsvError)
    await expect(collect("TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\nElectric usage,2018-13-01x,00:00,00:59,1,kWh,$1,\n")).rejects.toThrow(/Date not understood/)
    await expect(collect("TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\nElectric usage,2018-01-01,00:00,00:59,lots,kWh,$1,\n")).rejects.toThrow(/Not a number/)
  })
})

describe("CSV variants seen in other exports", () => {
  it("SCE re-saved without quotes or NO-BREAK SPACEs, with trailing empty cells", async () => {
    const day = (flow: string, f: (i: number) => number) =>
      [`Data for period starting: 2024-11-03 00:00:00  for 24 hours,,`, `Energy  ${flow} time period,Usage ${flow}(Real energy in kilowatt-hours),Reading quality`,
        ...Array.from({ length: 100 }, (_, i) => {
          // 25-hour day labelled like SCE: the 02:00 hour appears twice.
          const label = i < 8 ? i * 15 : i < 12 ? 120 + (i - 8) * 15 : i < 16 ? 120 + (i - 12) * 15 : 180 + (i - 16) * 15
          const hh = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00`
          const end = label + 15
          return `2024-11-03 ${hh(label)} to ${end === 1440 ? "2024-11-04 00:00:00" : `2024-11-03 ${hh(end)}`},${f(i)},`
        }), ",,"]
    const text = ["Energy Usage Information,,", "For location: X,,", ",,", ...day("Delivered", (i) => i / 100), ...day("Received", (i) => (i % 3) / 10)].join("\n")
    const rs = await collect(text)
    for (const [flow, f] of [["delivered", (i: number) => i / 100], ["received", (i: number) => (i % 3) / 10]] as const) {
      const mine = readings(rs, flow)
      expect(mine).toHaveLength(100)
      expect(sum(mine.map((r) => r.value))).toBeCloseTo(sum(Array.from({ length: 100 }, (_, i) => f(i))), 9)
      expect(contiguous(mine)).toBe(true)
      expect(iso(mine[0]!.start)).toBe("2024-11-03T07:00:00.000Z")
    }
  })

  it("PG&E with the unit in the usage header and a generic start/end layout", async () => {
    const pge = "TYPE,DATE,START TIME,END TIME,USAGE (kWh),COST,NOTES\nElectric usage,2024-01-01,00:00,00:14,0.25,$0.10,\nElectric usage,2024-01-01,00:15,00:29,0.5,$0.20,\n"
    expect(readings(await collect(pge)).map((r) => [iso(r.start), r.duration, r.value, r.unit, r.cost])).toEqual([
      ["2024-01-01T08:00:00.000Z", 900, 0.25, "kWh", 0.1], ["2024-01-01T08:15:00.000Z", 900, 0.5, "kWh", 0.2]
    ])
    const generic = "Date,Energy Consumption time Period Start,Energy Consumption time Period End,Delivered,Received\n" +
      "2024-07-01,12:00 AM,12:15 AM,1.5,0\n2024-07-01,12:15 AM,12:30 AM,1.25,0.5\n"
    const rs = await collect(generic)
    expect(readings(rs, "delivered").map((r) => [iso(r.start), r.duration, r.value])).toEqual([
      ["2024-07-01T07:00:00.000Z", 900, 1.5], ["2024-07-01T07:15:00.000Z", 900, 1.25]
    ])
    expect(sum(readings(rs, "received").map((r) => r.value))).toBe(0.5)
  })
})
