/** RD strings and America/Chicago days: the wire details the collector stands on. */
import { describe, expect, it } from "vitest"
import { CENTRAL, quarterHoursIn } from "../src/internal/SmtDates.ts"
import { parseRd, quarterHoursOfDay, SmtWireError } from "../src/internal/ReadData.ts"

const iso = (ms: number) => new Date(ms).toISOString()
const rd = (n: number, value = "0.25-A") => Array.from({ length: n }, () => value).join(",")

describe("parseRd", () => {
  it("reads value-flag entries, keeping A/E as quality and skipping stray empty entries", () => {
    const readings = parseRd("0.123-A,, 1.5-E,,,.25-A,3-A,")
    expect(readings).toEqual([
      { kWh: 0.123, quality: "actual" },
      { kWh: 1.5, quality: "estimated" },
      { kWh: 0.25, quality: "actual" },
      { kWh: 3, quality: "actual" }
    ])
  })

  it("rejects entries it cannot read, naming them", () => {
    expect(() => parseRd("0.1-A,abc-A")).toThrow(SmtWireError)
    expect(() => parseRd("0.1-A,abc-A")).toThrow(/"abc-A"/)
    expect(() => parseRd("0.1-Q")).toThrow(/unknown reading flag "Q"/)
    expect(() => parseRd("0.1")).toThrow(SmtWireError)
  })
})

describe("America/Chicago days", () => {
  it("has 92 quarter hours on 2024-03-10, 100 on 2024-11-03 and 96 otherwise", () => {
    expect(quarterHoursIn(CENTRAL, { year: 2024, month: 3, day: 10 })).toBe(92)
    expect(quarterHoursIn(CENTRAL, { year: 2024, month: 11, day: 3 })).toBe(100)
    expect(quarterHoursIn(CENTRAL, { year: 2024, month: 3, day: 11 })).toBe(96)
    expect(quarterHoursIn(CENTRAL, { year: 2024, month: 7, day: 4 })).toBe(96)
  })

  it("places the spring-forward day's 92 readings on exact UTC quarter hours", () => {
    // SMT pads to 100 slots; the 8 spare slots are empty.
    const entries = Array.from({ length: 92 }, (_, i) => `${(i + 1) / 1000}-A`)
    const padded = [...entries.slice(0, 8), "", "", "", "", "", "", "", "", ...entries.slice(8)].join(",")
    const q = quarterHoursOfDay({ DT: "03/10/2024", RT: "C", RD: padded }, CENTRAL)
    expect(q).toHaveLength(92)
    // 00:00 CST = 06:00Z; 01:45 CST = 07:45Z; then 03:00 CDT = 08:00Z; 23:45 CDT = 04:45Z next day.
    expect(iso(q[0]!.startMs)).toBe("2024-03-10T06:00:00.000Z")
    expect(iso(q[7]!.startMs)).toBe("2024-03-10T07:45:00.000Z")
    expect(iso(q[8]!.startMs)).toBe("2024-03-10T08:00:00.000Z")
    expect(iso(q[91]!.startMs)).toBe("2024-03-11T04:45:00.000Z")
    expect(iso(q[91]!.endMs)).toBe("2024-03-11T05:00:00.000Z")
    expect(q[8]!.kWh).toBe(0.009)
    expect(q.every((x, i) => x.endMs - x.startMs === 900_000 && (i === 0 || x.startMs === q[i - 1]!.endMs))).toBe(true)
  })

  it("places the fall-back day's 100 readings, both 01:00 hours included", () => {
    const q = quarterHoursOfDay({ DT: "11/03/2024", RT: "G", RD: rd(100) }, CENTRAL)
    expect(q).toHaveLength(100)
    expect(q.every((x) => x.flow === "received")).toBe(true)
    // 00:00 CDT = 05:00Z; the first 01:00 (CDT) = 06:00Z; the second 01:00 (CST) = 07:00Z; 23:45 CST = 05:45Z next day.
    expect(iso(q[0]!.startMs)).toBe("2024-11-03T05:00:00.000Z")
    expect(iso(q[4]!.startMs)).toBe("2024-11-03T06:00:00.000Z")
    expect(iso(q[8]!.startMs)).toBe("2024-11-03T07:00:00.000Z")
    expect(iso(q[99]!.startMs)).toBe("2024-11-04T05:45:00.000Z")
    expect(new Set(q.map((x) => x.startMs)).size).toBe(100)
  })

  it("keeps a partial day (SMT has not finished today) and refuses more readings than the day has", () => {
    expect(quarterHoursOfDay({ DT: "01/15/2024", RT: "C", RD: rd(40) }, CENTRAL)).toHaveLength(40)
    expect(() => quarterHoursOfDay({ DT: "03/10/2024", RT: "C", RD: rd(96) }, CENTRAL)).toThrow(
      /96 readings for 03\/10\/2024, which has only 92 quarter hours/
    )
    expect(() => quarterHoursOfDay({ DT: "2024-01-15", RT: "C", RD: rd(4) }, CENTRAL)).toThrow(/MM\/DD\/YYYY/)
    expect(() => quarterHoursOfDay({ DT: "01/15/2024", RT: "X", RD: rd(4) }, CENTRAL)).toThrow(/RT "X"/)
  })
})
