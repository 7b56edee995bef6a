import { describe, expect, it } from "vitest"
import * as Dataset from "../src/internal/Dataset.ts"

const now = Date.UTC(2025, 6, 1) / 1000
const twoYearsAgo = now - 2 * 366 * 86_400

describe("DEMO dataset", () => {
  for (const service of Dataset.services) {
    describe(service.utility_tariff_name!, () => {
      const bills = Dataset.bills(service, twoYearsAgo, now, now)

      it("has at least two years of monthly bills, back to back", () => {
        expect(bills.length).toBeGreaterThanOrEqual(24)
        for (let i = 1; i < bills.length; i++) expect(bills[i]!.start).toBe(bills[i - 1]!.end)
        for (const b of bills) expect(Math.round((b.end - b.start) / 86_400)).toBeGreaterThanOrEqual(28)
      })

      it("bills line items that add up to the bill total, and kWh line items to the bill kWh", () => {
        for (const b of bills) {
          const cents = b.lineItems.reduce((s, i) => s + Math.round(i.cost * 100), 0)
          expect(cents).toBe(Math.round(b.total * 100))
          const kwh = b.lineItems.filter((i) => i.unit === "kWh").reduce((s, i) => s + i.volume!, 0)
          expect(kwh).toBeCloseTo(b.totalKWh, 6)
          const breakdown = b.tiers ?? b.timeOfUse!
          const breakdownKWh = Object.entries(breakdown).filter(([k]) => k.endsWith("(kWh)")).reduce((s, [, v]) => s + v, 0)
          expect(breakdownKWh).toBeCloseTo(b.totalKWh, 6)
        }
      })

      it("bills exactly the kWh of the 15-minute intervals in the period", () => {
        for (const b of bills.slice(-3)) {
          let wh = 0
          let n = 0
          for (const r of Dataset.readings(service, b.start, b.end)) (wh += r.wh), n++
          expect(wh / 1000).toBeCloseTo(b.totalKWh, 9)
          expect(n).toBe((b.end - b.start) / 900)
        }
      })

      it("has a daily shape and a seasonal one", () => {
        const day = (y: number, m: number, d: number) => {
          const start = Dataset.localMidnight(y, m, d)
          const hourly = Array.from({ length: 24 }, () => 0)
          for (const r of Dataset.readings(service, start, start + 86_400)) hourly[Math.floor((r.start - start) / 3600)]! += r.wh
          return hourly
        }
        const july = day(2024, 7, 17)
        const january = day(2024, 1, 17)
        // Night (3 am) uses less than the afternoon/evening peak.
        expect(Math.max(...july.slice(12, 22))).toBeGreaterThan(july[3]! * 2)
        if (service.kind === "residential") expect(july.reduce((a, b) => a + b)).toBeGreaterThan(january.reduce((a, b) => a + b))
      })
    })
  }

  it("has 92 quarter hours on the spring-forward day and 100 on the fall-back day", () => {
    const count = (y: number, m: number, d: number) => {
      const from = Dataset.localMidnight(y, m, d)
      return Array.from(Dataset.readings(Dataset.services[0]!, from, Dataset.localMidnight(y, m, d + 1))).length
    }
    expect(count(2024, 3, 10)).toBe(92)
    expect(count(2024, 11, 3)).toBe(100)
    expect(count(2024, 6, 1)).toBe(96)
  })

  it("is deterministic", () => {
    const a = Array.from(Dataset.readings(Dataset.services[1]!, now - 86_400, now))
    const b = Array.from(Dataset.readings(Dataset.services[1]!, now - 86_400, now))
    expect(a).toEqual(b)
  })
})
