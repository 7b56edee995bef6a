/**
 * What the meter page shows of interval data, computed on the server so the
 * browser never holds a year of 15-minute readings: the chart's series
 * downsampled to at most `maxPoints` buckets (average kW per bucket, null
 * where there is no reading, so gaps show as breaks), daily and monthly
 * totals with imports and exports apart, and the gaps themselves.
 *
 * A meter's readings are held as columns (typed arrays, sorted by start) in a
 * small cache keyed by the meter's collection state, so each zoom slices
 * memory instead of reading the Store again: a zoom costs a binary search and
 * one pass over the range.
 */
import type { Store } from "@meterbridge/core"
import { Timestamp } from "@meterbridge/core"

type Reading = Pick<Store.IntervalRecord, "interval_start" | "interval_end" | "interval_kWh">

export const MAX_POINTS = 1500
export const FLOWS = ["delivered", "received"] as const
export type Charted = (typeof FLOWS)[number]

/** One flow's readings, sorted by start; kWh is NaN where the utility sent none. */
export interface Column {
  readonly start: Float64Array
  readonly end: Float64Array
  readonly kWh: Float64Array
}
export type Columns = Readonly<Record<Charted, Column>>

/** Readings in start order (as the Store streams them) as a column. */
export const column = (rows: ReadonlyArray<Reading>): Column => {
  const n = rows.length
  const c = { start: new Float64Array(n), end: new Float64Array(n), kWh: new Float64Array(n) }
  rows.forEach((r, i) => {
    c.start[i] = r.interval_start
    c.end[i] = r.interval_end
    c.kWh[i] = r.interval_kWh ?? NaN
  })
  return c
}

/** The first index whose start is at or after `t`. */
const lowerBound = (a: Float64Array, t: number) => {
  let lo = 0, hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

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

const round = (x: number) => Math.round(x * 1000) / 1000

/** The shortest reading length (the meter's native resolution), or 15 minutes with no readings. */
const nativeStep = (cols: Columns) => {
  let min = Infinity
  for (const f of FLOWS) {
    const c = cols[f]
    for (let i = 0; i < Math.min(c.start.length, 1000); i++) min = Math.min(min, c.end[i]! - c.start[i]!)
  }
  return Number.isFinite(min) && min > 0 ? min : 15 * 60 * 1_000_000
}

/** Buckets [start, end): the native resolution while that fits in `maxPoints`, else a whole multiple of it. */
export const downsample = (cols: Columns, start: number, end: number, maxPoints = MAX_POINTS): Series => {
  const native = nativeStep(cols)
  const step = Math.max(1, Math.ceil((end - start) / native / maxPoints)) * native
  const n = Math.max(0, Math.ceil((end - start) / step))
  const readings = { delivered: 0, received: 0 }
  const kW = (flow: Charted) => {
    const c = cols[flow]
    const sums = new Float64Array(n)
    const hours = new Float64Array(n)
    for (let i = lowerBound(c.start, start); i < c.start.length && c.start[i]! < end; i++) {
      const kWh = c.kWh[i]!
      if (Number.isNaN(kWh)) continue
      const b = Math.floor((c.start[i]! - start) / step)
      sums[b]! += kWh
      hours[b]! += (c.end[i]! - c.start[i]!) / Timestamp.MICROS_PER_HOUR
      readings[flow]++
    }
    return Array.from({ length: n }, (_, i) => (hours[i]! > 0 ? round(sums[i]! / hours[i]!) : null))
  }
  return {
    t: Array.from({ length: n }, (_, i) => (start + i * step) / 1_000_000),
    delivered: kW("delivered"),
    received: kW("received"),
    step_seconds: step / 1_000_000,
    readings
  }
}

export interface Total {
  /** `YYYY-MM-DD` or `YYYY-MM` (UTC). */
  readonly period: string
  readonly delivered_kWh: number
  readonly received_kWh: number
  readonly readings: number
}

/** kWh per UTC day and per UTC month, imports and exports apart, in period order. */
export const totals = (cols: Columns) => {
  const group = (length: number): Array<Total> => {
    const m = new Map<string, { delivered_kWh: number; received_kWh: number; readings: number }>()
    for (const flow of FLOWS) {
      const c = cols[flow]
      for (let i = 0; i < c.start.length; i++) {
        const kWh = c.kWh[i]!
        if (Number.isNaN(kWh)) continue
        const k = Timestamp.format(c.start[i]!).slice(0, length)
        let t = m.get(k)
        if (t === undefined) m.set(k, t = { delivered_kWh: 0, received_kWh: 0, readings: 0 })
        if (flow === "delivered") t.delivered_kWh += kWh
        else t.received_kWh += kWh
        t.readings++
      }
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([period, t]) => ({
      period,
      delivered_kWh: round(t.delivered_kWh),
      received_kWh: round(t.received_kWh),
      readings: t.readings
    }))
  }
  return { daily: group(10), monthly: group(7) }
}

export interface Gap {
  readonly start: number
  readonly end: number
}

/** Where consecutive readings of a flow do not meet: [end of one, start of the next). */
export const gaps = (c: Column): Array<Gap> => {
  const out: Array<Gap> = []
  for (let i = 1; i < c.start.length; i++) {
    if (c.start[i]! > c.end[i - 1]!) out.push({ start: c.end[i - 1]!, end: c.start[i]! })
  }
  return out
}

/**
 * The last few meters' columns, each valid while its meter's interval count
 * and last collection are unchanged (a collection that changes readings
 * changes one of them).
 */
export const cache = (size = 8) => {
  const entries = new Map<string, { readonly key: string; readonly columns: Promise<Columns> }>()
  return (meter: Pick<Store.ServiceWithFigures, "uid" | "interval_count" | "last_collected">, load: () => Promise<Columns>) => {
    const key = `${meter.interval_count}:${meter.last_collected}`
    const hit = entries.get(meter.uid)
    entries.delete(meter.uid)
    if (hit !== undefined && hit.key === key) {
      entries.set(meter.uid, hit)
      return hit.columns
    }
    const columns = load()
    columns.catch(() => entries.delete(meter.uid))
    entries.set(meter.uid, { key, columns })
    if (entries.size > size) entries.delete(entries.keys().next().value!)
    return columns
  }
}
