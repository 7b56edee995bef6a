import { describe, expect, it } from "vitest"
import { LocalTime } from "../src/index.ts"

// Figures from the US rules (second Sunday of March, first Sunday of November, at 02:00 local), worked out by hand.
const chicago = LocalTime.zone("America/Chicago")
const pacific = LocalTime.zone("America/Los_Angeles")
const utc = (iso: string) => Date.parse(iso)

describe("LocalTime", () => {
  it("knows the offset on either side of a transition", () => {
    expect(LocalTime.offsetMinutes(chicago, utc("2024-01-15T12:00:00Z"))).toBe(-360)
    expect(LocalTime.offsetMinutes(chicago, utc("2024-07-15T12:00:00Z"))).toBe(-300)
    expect(LocalTime.offsetMinutes(chicago, utc("2024-03-10T07:59:59Z"))).toBe(-360)
    expect(LocalTime.offsetMinutes(chicago, utc("2024-03-10T08:00:00Z"))).toBe(-300)
  })

  it("reads the wall clock, weekday included", () => {
    expect(LocalTime.wallClock(pacific, utc("2024-01-01T12:34:56Z"))).toEqual({
      year: 2024, month: 1, day: 1, hour: 4, minute: 34, second: 56, weekday: 1
    })
    expect(LocalTime.dateAt(pacific, utc("2024-01-01T07:59:59Z"))).toEqual({ year: 2023, month: 12, day: 31 })
  })

  it("maps local times to UTC: the repeated hour either way, the skipped hour to nothing", () => {
    const fallBack = { year: 2024, month: 11, day: 3 }
    expect(LocalTime.localToUtc(chicago, fallBack, 90)).toBe(utc("2024-11-03T06:30:00Z"))
    expect(LocalTime.localToUtc(chicago, fallBack, 90, "later")).toBe(utc("2024-11-03T07:30:00Z"))
    expect(LocalTime.localToUtc(chicago, { year: 2024, month: 3, day: 10 }, 150)).toBeUndefined()
    expect(LocalTime.localToUtc(chicago, { year: 2024, month: 3, day: 10 }, 180)).toBe(utc("2024-03-10T08:00:00Z"))
  })

  it("gives local days of 23, 24 and 25 hours", () => {
    expect(LocalTime.minutesIn(chicago, { year: 2024, month: 3, day: 10 })).toBe(23 * 60)
    expect(LocalTime.minutesIn(chicago, { year: 2024, month: 3, day: 11 })).toBe(24 * 60)
    expect(LocalTime.minutesIn(chicago, { year: 2024, month: 11, day: 3 })).toBe(25 * 60)
    expect(LocalTime.startOfDay(pacific, { year: 2024, month: 7, day: 1 })).toBe(utc("2024-07-01T07:00:00Z"))
  })

  it("cuts a range where the offset changes, and reads instants from the offset alone", () => {
    const from = utc("2024-01-01T06:00:00Z")
    const to = utc("2025-01-01T06:00:00Z")
    expect(LocalTime.offsetSpans(chicago, from, to)).toEqual([
      { startMs: from, endMs: utc("2024-03-10T08:00:00Z"), offsetMinutes: -360 },
      { startMs: utc("2024-03-10T08:00:00Z"), endMs: utc("2024-11-03T07:00:00Z"), offsetMinutes: -300 },
      { startMs: utc("2024-11-03T07:00:00Z"), endMs: to, offsetMinutes: -360 }
    ])
    expect(LocalTime.offsetSpans(chicago, to, from)).toEqual([])
    // Every hour of the year, the arithmetic reading equals Intl's.
    for (const span of LocalTime.offsetSpans(pacific, from, to)) {
      for (let t = span.startMs; t < span.endMs; t += 3_600_000) {
        expect(LocalTime.atOffset(t, span.offsetMinutes)).toEqual(LocalTime.wallClock(pacific, t))
      }
    }
  })

  it("rolls overflowing dates over and walks date ranges", () => {
    expect(LocalTime.normalize({ year: 2024, month: 1, day: 32 })).toEqual({ year: 2024, month: 2, day: 1 })
    expect(LocalTime.startOfDay(pacific, { year: 2024, month: 12, day: 32 })).toBe(utc("2025-01-01T08:00:00Z"))
    expect(LocalTime.datesBetween({ year: 2024, month: 2, day: 28 }, { year: 2024, month: 3, day: 1 })).toEqual([
      { year: 2024, month: 2, day: 28 },
      { year: 2024, month: 2, day: 29 },
      { year: 2024, month: 3, day: 1 }
    ])
    expect(LocalTime.compareDates({ year: 2024, month: 1, day: 2 }, { year: 2024, month: 1, day: 1 })).toBeGreaterThan(0)
  })
})
