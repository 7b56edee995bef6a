/** Real SMT files: the portal's CSV export and a response of the official API. */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Stream } from "effect"
import { Timestamp } from "@meterbridge/core"
import { describe, expect, it } from "vitest"
import { parseSmtCsv } from "../src/SmtCsv.ts"
import * as SmtCollector from "../src/SmtCollector.ts"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const iso = (t: number) => new Date(t / 1000).toISOString()

describe("SMT CSV export (2022-03, spring DST)", () => {
  const text = readFileSync(here("fixtures/smt-interval-15min-2022-03-dst-spring.csv"), "utf8")
  // Independent reading of the file: plain string splitting, no shared code.
  const rows = text.trim().split("\n").slice(1).map((l) => l.split(","))
  const withKWh = rows.filter((r) => r[5] !== "")
  const totalKWh = withKWh.reduce((s, r) => s + Number(r[5]), 0)

  const intervals = Effect.runSync(parseSmtCsv(text))

  it("imports every row that has kWh, with the file's total", () => {
    expect(rows).toHaveLength(2976)
    expect(intervals).toHaveLength(withKWh.length)
    expect(intervals).toHaveLength(2972)
    expect(intervals.reduce((s, i) => s + i.interval_kWh!, 0)).toBeCloseTo(totalKWh, 9)
    expect(new Set(intervals.map((i) => i.utility_service_id))).toEqual(new Set(["10443720007382518"]))
    expect(intervals.every((i) => i.flow === "delivered" && i.quality === "actual")).toBe(true)
  })

  it("places the rows on contiguous UTC quarter hours across the spring-forward day", () => {
    const starts = intervals.map((i) => i.interval_start).sort((a, b) => a - b)
    // 00:00 CST on 03/01 is 06:00Z; 23:45 CDT on 03/31 is 04:45Z on 04/01.
    expect(iso(starts[0]!)).toBe("2022-03-01T06:00:00.000Z")
    expect(iso(starts.at(-1)!)).toBe("2022-04-01T04:45:00.000Z")
    expect(starts.every((s, i) => i === 0 || s - starts[i - 1]! === 900_000_000)).toBe(true)
    expect(intervals.every((i) => i.interval_end - i.interval_start === 900_000_000)).toBe(true)
  })

  it("gives 2022-03-13 its 92 quarter hours, 03:00 CDT right after 01:45 CST", () => {
    const dayStart = Date.parse("2022-03-13T06:00:00Z") * 1000, dayEnd = Date.parse("2022-03-14T05:00:00Z") * 1000
    const day = intervals.filter((i) => i.interval_start >= dayStart && i.interval_start < dayEnd)
      .sort((a, b) => a.interval_start - b.interval_start)
    expect(day).toHaveLength(92)
    expect(iso(day[7]!.interval_start)).toBe("2022-03-13T07:45:00.000Z")
    expect(iso(day[8]!.interval_start)).toBe("2022-03-13T08:00:00.000Z")
    // The row "03/13/2022,…,03:00,03:15,<kWh>" is the one at 08:00Z.
    const row = rows.find((r) => r[1] === "03/13/2022" && r[3] === "03:00")!
    expect(day[8]!.interval_kWh).toBe(Number(row[5]))
    // "23:45,00:00" ends at the next local midnight.
    expect(iso(day[91]!.interval_end)).toBe("2022-03-14T05:00:00.000Z")
  })
})

describe("SMT CSV edge cases", () => {
  const header = "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,CONSUMPTION_SURPLUSGENERATION"
  const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`

  it("reads the fall-back day's repeated 01:00 hour as CDT then CST, and surplus generation apart", () => {
    const lines = [header]
    // 25 wall-clock hours: 00:00–01:45, then 01:00–01:45 again, then 02:00–23:45.
    const minutes = [...Array.from({ length: 8 }, (_, i) => i * 15), ...Array.from({ length: 92 }, (_, i) => 60 + i * 15)]
    for (const [i, m] of minutes.entries()) {
      lines.push(`'10443720000000001,11/03/2024,11/04/2024 07:00:00, ${hhmm(m)},${hhmm(m + 15)},${(i + 1) / 100},${i % 10 === 0 ? "E" : "A"},Consumption`)
    }
    lines.push(`'10443720000000001,11/03/2024,11/04/2024 07:00:00,12:00,12:15,.5,A,Surplus Generation`)
    const got = Effect.runSync(parseSmtCsv(lines.join("\r\n") + "\r\n"))
    const used = got.filter((i) => i.flow === "delivered").sort((a, b) => a.interval_start - b.interval_start)
    expect(used).toHaveLength(100)
    expect(iso(used[4]!.interval_start)).toBe("2024-11-03T06:00:00.000Z") // 01:00 CDT
    expect(iso(used[8]!.interval_start)).toBe("2024-11-03T07:00:00.000Z") // 01:00 CST
    expect(used[8]!.interval_kWh).toBe(0.09)
    expect(iso(used[99]!.interval_end)).toBe("2024-11-04T06:00:00.000Z")
    expect(used.filter((i) => i.quality === "estimated")).toHaveLength(10)
    const surplus = got.filter((i) => i.flow === "received")
    expect(surplus.map((i) => [iso(i.interval_start), i.interval_kWh])).toEqual([["2024-11-03T18:00:00.000Z", 0.5]])
  })

  it.each([
    ["ESIID,USAGE_DATE\n'1,03/01/2022\n", /missing columns USAGE_START_TIME, USAGE_END_TIME, USAGE_KWH/, 1],
    [`${header}\n'1,2022-03-01,,00:00,00:15,.1,A,Consumption\n`, /Line 2: USAGE_DATE "2022-03-01" is not MM\/DD\/YYYY/, 2],
    [`${header}\n'1,03/01/2022,,00:00,00:15,.1,A,Consumption\n'1,03/01/2022,,00:15,00:30,lots,A,Consumption\n`, /Line 3: USAGE_KWH "lots"/, 3],
    [`${header}\n'1,03/01/2022,,00:00,00:15,.1,X,Consumption\n`, /ESTIMATED_ACTUAL "X"/, 2],
    [`${header}\n'1,03/01/2022,,00:00,00:15,.1,A,Export\n`, /CONSUMPTION_SURPLUSGENERATION "Export"/, 2],
    [`${header}\n'1,03/13/2022,,02:15,02:30,.1,A,Consumption\n`, /02:15 does not exist on 03\/13\/2022/, 2]
  ])("refuses a bad file with a typed error naming the line (%#)", (csv, message, line) => {
    const exit = Effect.runSyncExit(parseSmtCsv(csv))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      expect(fail?._tag).toBe("Fail")
      if (fail?._tag === "Fail") {
        expect(fail.error._tag).toBe("SmtCsvError")
        expect(fail.error.message).toMatch(message)
        expect(fail.error.line).toBe(line)
      }
    }
  })
})

const SHARED = here("../../../../shared/fixtures/smt/smt-api-15minintervalreads-response.json")

describe.skipIf(!existsSync(SHARED))("official API response (gridium fixture, read in place)", () => {
  const raw = readFileSync(SHARED, "utf8")
  const numbers = [...raw.matchAll(/(\d*\.?\d+)-A/g)].map((m) => Number(m[1]))

  it("parses 3 days of 96 readings with the file's total, the padded slots skipped", async () => {
    const collector = SmtCollector.make({
      baseUrl: "https://services.smartmetertexas.net",
      username: "u",
      password: "p",
      requestorId: "r",
      duns: "d",
      fetch: async () => new Response(raw, { headers: { "content-type": "application/json" } })
    })
    const grant = { esiid: "10443720002305039", meterNumber: "m", rep: "r", email: "e@example.com", agreementId: "A1" }
    const service = { utility_service_id: "10443720002305039", utility_service_address: null, utility_meter_number: null }
    const window = { start: Timestamp.fromMillis(Date.parse("2020-01-01T06:00:00Z")), end: Timestamp.fromMillis(Date.parse("2020-01-04T06:00:00Z")) }
    const got = Array.from(await Effect.runPromise(Stream.runCollect(collector.collectIntervals(grant, service, window))))
    expect(numbers).toHaveLength(288)
    expect(got).toHaveLength(288)
    expect(got.reduce((s, i) => s + i.interval_kWh!, 0)).toBeCloseTo(numbers.reduce((s, x) => s + x, 0), 9)
    const sorted = got.sort((a, b) => a.interval_start - b.interval_start)
    expect(iso(sorted[0]!.interval_start)).toBe("2020-01-01T06:00:00.000Z")
    // After the 4 empty slots, the 9th reading (3.264) is 02:00 CST = 08:00Z.
    expect(iso(sorted[8]!.interval_start)).toBe("2020-01-01T08:00:00.000Z")
    expect(sorted[8]!.interval_kWh).toBe(3.264)
    expect(iso(sorted[287]!.interval_start)).toBe("2020-01-04T05:45:00.000Z")
    expect(sorted[287]!.interval_kWh).toBe(2.688)
  })
})
