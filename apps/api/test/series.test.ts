/** The meter page's server-side figures: downsampling, gaps and totals over readings built here. */
import { describe, expect, it } from "vitest"
import * as Series from "../src/web/dashboard/series.ts"

const Q = 15 * 60 * 1_000_000
const T0 = Date.UTC(2024, 0, 1) * 1000

/** Two days of quarter-hours with kWh = 0.25 × (hour of day), minus the readings in `missing`. */
const readings = (missing: (i: number) => boolean = () => false) =>
  Array.from({ length: 192 }, (_, i) => i).filter((i) => !missing(i)).map((i) => ({
    interval_start: T0 + i * Q,
    interval_end: T0 + (i + 1) * Q,
    interval_kWh: 0.25 * Math.floor((i % 96) / 4)
  }))

const cols = (delivered: ReturnType<typeof readings>, received: ReturnType<typeof readings> = []) => ({
  delivered: Series.column(delivered),
  received: Series.column(received)
})

describe("meter series", () => {
  it("keeps the native resolution while it fits, and averages kW per bucket beyond", () => {
    const c = cols(readings())
    const native = Series.downsample(c, T0, T0 + 192 * Q, 1000)
    expect(native.step_seconds).toBe(900)
    expect(native.t.length).toBe(192)
    // kW = kWh per hour: 0.25 kWh in a quarter-hour is 1 kW per hour of the day.
    expect(native.delivered[4 * 5]).toBe(5)
    const hourly = Series.downsample(c, T0, T0 + 192 * Q, 48)
    expect(hourly.step_seconds).toBe(3600)
    expect(hourly.t.length).toBe(48)
    expect(hourly.delivered.slice(0, 24)).toEqual(Array.from({ length: 24 }, (_, h) => h))
    expect(hourly.readings.delivered).toBe(192)
  })

  it("marks missing readings as null points and as gaps", () => {
    const c = cols(readings((i) => i >= 40 && i < 48))
    const s = Series.downsample(c, T0, T0 + 192 * Q)
    expect(s.delivered.slice(40, 48)).toEqual(Array(8).fill(null))
    expect(s.delivered[39]).not.toBeNull()
    expect(Series.gaps(c.delivered)).toEqual([{ start: T0 + 40 * Q, end: T0 + 48 * Q }])
  })

  it("totals imports and exports apart per UTC day and month", () => {
    const exports = readings().map((r) => ({ ...r, interval_kWh: 0.1 }))
    const { daily, monthly } = Series.totals(cols(readings(), exports))
    // Σ over 24 hours of 4 × 0.25 × h = Σ h = 276 kWh a day.
    expect(daily).toEqual([
      { period: "2024-01-01", delivered_kWh: 276, received_kWh: 9.6, readings: 192 },
      { period: "2024-01-02", delivered_kWh: 276, received_kWh: 9.6, readings: 192 }
    ])
    expect(monthly).toEqual([{ period: "2024-01", delivered_kWh: 552, received_kWh: 19.2, readings: 384 }])
  })

  it("reloads a meter's columns only when its collection state changes", async () => {
    const cache = Series.cache(2)
    let loads = 0
    const load = async () => (loads++, cols(readings()))
    const meter = { uid: "m1", interval_count: 192, last_collected: 1 }
    await cache(meter, load)
    await cache(meter, load)
    expect(loads).toBe(1)
    await cache({ ...meter, last_collected: 2 }, load)
    expect(loads).toBe(2)
  })
})
