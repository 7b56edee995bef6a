import { describe, expect, it } from "vitest"
import { generate } from "../../src/sandbox/Dataset.ts"

const pacific = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "America/Los_Angeles", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
})
/** `YYYY-MM-DD HH:MM` in Pacific time. */
const local = (epochSeconds: number) => pacific.format(new Date(epochSeconds * 1000))

describe("sandbox dataset", () => {
  const customers = generate()
  const [home, office] = customers[0]!.usagePoints

  it("is deterministic per seed", () => {
    expect(generate({ days: 10 })).toEqual(generate({ days: 10 }))
    expect(generate({ days: 10, seed: 2 })).not.toEqual(generate({ days: 10 }))
  })

  it("has a net-metered home (hourly import and export) and a 15-minute office over more than a year", () => {
    expect(home!.channels.map((c) => [c.flow, c.intervalSeconds])).toEqual([["delivered", 3600], ["received", 3600]])
    expect(office!.channels.map((c) => [c.flow, c.intervalSeconds])).toEqual([["delivered", 900]])
    for (const ch of [...home!.channels, ...office!.channels]) {
      const first = ch.blocks[0]!, last = ch.blocks.at(-1)!
      expect(last.start + last.duration - first.start).toBeGreaterThan(365 * 86_400)
    }
  })

  it("cuts blocks at local midnight, 23 hours on the spring day and 25 in the fall, with no gap or overlap", () => {
    const ch = office!.channels[0]!
    for (let i = 0; i < ch.blocks.length; i++) {
      const b = ch.blocks[i]!
      expect(local(b.start)).toMatch(/ 00:00$/)
      if (i > 0) expect(b.start).toBe(ch.blocks[i - 1]!.start + ch.blocks[i - 1]!.duration)
      expect(b.readings.length * 900).toBe(b.duration)
      b.readings.forEach((r, k) => expect(r.start).toBe(b.start + k * 900))
    }
    const byDay = new Map(ch.blocks.map((b) => [local(b.start).slice(0, 10), b]))
    expect(byDay.get("2024-03-10")!.readings).toHaveLength(92)
    expect(byDay.get("2024-11-03")!.readings).toHaveLength(100)
    expect(byDay.get("2024-06-01")!.readings).toHaveLength(96)
  })

  it("exports only in daylight and never negative", () => {
    const received = home!.channels[1]!
    for (const b of received.blocks) {
      for (const r of b.readings) {
        expect(r.wh).toBeGreaterThanOrEqual(0)
        const hour = Number(local(r.start).slice(11, 13))
        if (hour < 6 || hour > 19) expect(r.wh).toBe(0)
      }
    }
    expect(received.blocks.flatMap((b) => b.readings).some((r) => r.wh > 0)).toBe(true)
  })

  it("bills run monthly from the 5th (local), state net kWh of the readings, and line items add up to the total", () => {
    for (const up of [home!, office!]) {
      expect(up.bills.length).toBeGreaterThanOrEqual(12)
      up.bills.forEach((bill, i) => {
        expect(local(bill.start)).toMatch(/-05 00:00$/)
        expect(local(bill.start + bill.duration)).toMatch(/-05 00:00$/)
        if (i > 0) expect(bill.start).toBe(up.bills[i - 1]!.start + up.bills[i - 1]!.duration)
        let wh = 0
        for (const ch of up.channels) {
          for (const b of ch.blocks) {
            for (const r of b.readings) {
              if (r.start >= bill.start && r.start < bill.start + bill.duration) wh += ch.flow === "delivered" ? r.wh : -r.wh
            }
          }
        }
        expect(bill.kWh).toBeCloseTo(wh / 1000, 9)
        expect(bill.lineItems.reduce((s, li) => s + li.cents, 0)).toBe(bill.totalCents)
      })
    }
  })
})
