import { describe, expect, it } from "vitest"
import type { LocalTime } from "../src/EspiRecord.ts"
import { decodeDstRule, offsetAt, toLocalIso } from "../src/EspiLocalTime.ts"
import { LocalZone } from "../src/LocalZone.ts"

/** Offset of an IANA zone at an instant, straight from Intl (independent of the code under test). */
const formats = new Map<string, Intl.DateTimeFormat>()
const intlOffset = (zone: string, epoch: number): number => {
  let f = formats.get(zone)
  if (f === undefined) formats.set(zone, (f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })))
  const name = f.formatToParts(new Date(epoch * 1000)).find((p) => p.type === "timeZoneName")!.value // "GMT-07:00"
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return m === null ? 0 : (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60)
}

const lt = (tzOffset: number, start = "360E2000", end = "B40E2000"): LocalTime =>
  ({ _tag: "LocalTime", tzOffset, dstOffset: 3600, dstStartRule: start, dstEndRule: end })

describe("LocalTimeParameters", () => {
  it("decodes the North American rules", () => {
    expect(decodeDstRule("360E2000")).toEqual({ month: 3, operator: 3, dayOfMonth: 0, dayOfWeek: 7, secondsOfDay: 7200 })
    expect(decodeDstRule("B40E2000")).toMatchObject({ month: 11, dayOfWeek: 7, secondsOfDay: 7200 })
    expect(decodeDstRule("B60E")).toBeUndefined()
  })

  it.each([["America/Los_Angeles", -28800], ["America/New_York", -18000]] as const)(
    "gives the same offset as Intl's %s every hour of 2011–2026 (US rules since 2007)",
    { timeout: 60_000 },
    (zone, tz) => {
      const from = Date.UTC(2011, 0, 1) / 1000, to = Date.UTC(2027, 0, 1) / 1000
      const wrong: Array<string> = []
      for (let t = from; t < to; t += 3600) if (offsetAt(lt(tz), t) !== intlOffset(zone, t)) wrong.push(new Date(t * 1000).toISOString())
      expect(wrong).toEqual([])
    }
  )

  it("reads SCE's truncated rules (B60E/B40E) as the US rules", () => {
    const sce = lt(-28800, "B60E", "B40E")
    expect(toLocalIso(sce, Date.UTC(2015, 7, 13, 7) / 1000)).toBe("2015-08-13T00:00:00-07:00")
    expect(toLocalIso(sce, Date.UTC(2015, 11, 13, 8) / 1000)).toBe("2015-12-13T00:00:00-08:00")
  })
})

describe("LocalZone (CSV local times)", () => {
  const z = new LocalZone("America/Los_Angeles")
  it("finds both instants of a repeated fall-back time and none of a skipped spring time", () => {
    expect(z.candidates(2018, 11, 4, 3600)).toEqual([Date.UTC(2018, 10, 4, 8) / 1000, Date.UTC(2018, 10, 4, 9) / 1000])
    expect(z.candidates(2018, 3, 11, 7200)).toEqual([])
    expect(z.toUtc(2018, 3, 11, 7200)).toBe(Date.UTC(2018, 2, 11, 10) / 1000)
    expect((z.midnightAfter(2018, 3, 11) - z.midnight(2018, 3, 11)) / 3600).toBe(23)
    expect((z.midnightAfter(2018, 11, 4) - z.midnight(2018, 11, 4)) / 3600).toBe(25)
  })
})
