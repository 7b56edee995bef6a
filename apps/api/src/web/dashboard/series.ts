/**
 * What the meter page shows of interval data, computed on the server so the
 * browser never holds a year of 15-minute readings: the chart's series
 * downsampled to at most `maxPoints` buckets (average kW per bucket, null
 * where there is no reading, so gaps show as breaks), daily and monthly
 * totals with imports and exports apart, and the gaps themselves.
 */
import type { Store } from "@meterbridge/core"
import { Timestamp } from "@meterbridge/core"

type Reading = Pick<Store.IntervalRecord, "interval_start" | "interval_end" | "interval_kWh" | "flow">

export const MAX_POINTS = 1500
const CHARTED = ["delivered", "received"] as const

export interface Series {
  /** Bucket starts, epoch seconds (uPlot's x unit). */
  readonly t: ReadonlyArray<number>
  /** Average kW over each bucket's readings; null for none. */
  readonly delivered: ReadonlyArray<number | null>
  readonly received: ReadonlyArray<number | null>
  readonly step_seconds: number
  /** Readings that fell in the range, per flow. */
  readonly readings: { readonly delivered: number; readonly received: number }
}

/** The shortest reading length (the meter's native resolution), or 15 minutes with no readings. */
const nativeStep = (rows: ReadonlyArray<Reading>) => {
  let min = Infinity
  for (const r of rows) min = Math.min(min, r.interval_end - r.interval_start)
  return Number.isFinite(min) && min > 0 ? min : 15 * 60 * 1_000_000
}

/**
 * Buckets `rows` (ordered or not) over [start, end): the native resolution
 * while that fits in `maxPoints`, else a whole multiple of it.
 */
export const downsample = (rows: ReadonlyArray<Reading>, start: number, end: number, maxPoints = MAX_POINTS): Series => {
  const native = nativeStep(rows)
  const step = Math.max(1, Math.ceil((end - start) / native / maxPoints)) * native
  const n = Math.max(0, Math.ceil((end - start) / step))
  const sums = { delivered: new Float64Array(n), received: new Float64Array(n) }
  const hours = { delivered: new Float64Array(n), received: new Float64Array(n) }
  const readings = { delivered: 0, received: 0 }
  for (const r of rows) {
    if (r.flow === "net" || r.interval_kWh === null || r.interval_start < start || r.interval_start >= end) continue
    const i = Math.floor((r.interval_start - start) / step)
    sums[r.flow][i]! += r.interval_kWh
    hours[r.flow][i]! += (r.interval_end - r.interval_start) / Timestamp.MICROS_PER_HOUR
    readings[r.flow]++
  }
  const kW = (flow: (typeof CHARTED)[number]) =>
    Array.from({ length: n }, (_, i) => (hours[flow][i]! > 0 ? round(sums[flow][i]! / hours[flow][i]!) : null))
  return {
    t: Array.from({ length: n }, (_, i) => (start + i * step) / 1_000_000),
    delivered: kW("delivered"),
    received: kW("received"),
    step_seconds: step / 1_000_000,
    readings
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000

export interface Total {
  /** `YYYY-MM-DD` or `YYYY-MM` (UTC). */
  readonly period: string
  readonly delivered_kWh: number
  readonly received_kWh: number
  readonly readings: number
}

/** kWh per UTC day and per UTC month, imports and exports apart, in period order. */
export const totals = (rows: ReadonlyArray<Reading>) => {
  const group = (key: (iso: string) => string): Array<Total> => {
    const m = new Map<string, { delivered_kWh: number; received_kWh: number; readings: number }>()
    for (const r of rows) {
      if (r.flow === "net" || r.interval_kWh === null) continue
      const k = key(Timestamp.format(r.interval_start))
      let t = m.get(k)
      if (t === undefined) m.set(k, t = { delivered_kWh: 0, received_kWh: 0, readings: 0 })
      if (r.flow === "delivered") t.delivered_kWh += r.interval_kWh
      else t.received_kWh += r.interval_kWh
      t.readings++
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([period, t]) => ({
      period,
      delivered_kWh: round(t.delivered_kWh),
      received_kWh: round(t.received_kWh),
      readings: t.readings
    }))
  }
  return { daily: group((iso) => iso.slice(0, 10)), monthly: group((iso) => iso.slice(0, 7)) }
}

export interface Gap {
  readonly start: number
  readonly end: number
}

/** Where consecutive readings of a flow do not meet: [end of one, start of the next). */
export const gaps = (rows: ReadonlyArray<Reading>, flow: Store.IntervalRecord["flow"] = "delivered"): Array<Gap> => {
  const own = rows.filter((r) => r.flow === flow).sort((a, b) => a.interval_start - b.interval_start)
  const out: Array<Gap> = []
  for (let i = 1; i < own.length; i++) {
    const prev = own[i - 1]!.interval_end
    if (own[i]!.interval_start > prev) out.push({ start: prev, end: own[i]!.interval_start })
  }
  return out
}
