/**
 * The back door: what a correct collector must return for a window, computed from the sandbox's dataset alone
 * (never from the collector or the ESPI writer), for conformance tests.
 */
import type { SandboxCustomer, SandboxUsagePoint } from "./Dataset.ts"

/** Epoch microseconds, as the domain's DateWindow. */
export interface MicrosWindow {
  readonly start: number
  readonly end: number
}

const seconds = (micros: number) => micros / 1_000_000

/** Readings of one flow whose start lies in the window: how many, and their kWh. */
export const intervals = (
  up: SandboxUsagePoint,
  window: MicrosWindow,
  flow: "delivered" | "received"
): { count: number; totalKWh: number } => {
  const start = seconds(window.start)
  const end = seconds(window.end)
  let count = 0
  let wh = 0
  for (const channel of up.channels) {
    if (channel.flow !== flow) continue
    for (const block of channel.blocks) {
      for (const r of block.readings) {
        if (r.start >= start && r.start < end) {
          count++
          wh += r.wh
        }
      }
    }
  }
  return { count, totalKWh: wh / 1000 }
}

/** Bills whose period overlaps the window: how many, and their stated kWh. */
export const bills = (up: SandboxUsagePoint, window: MicrosWindow): { count: number; totalKWh: number } => {
  const start = seconds(window.start)
  const end = seconds(window.end)
  const overlapping = up.bills.filter((b) => b.start < end && b.start + b.duration > start)
  return { count: overlapping.length, totalKWh: overlapping.reduce((s, b) => s + b.kWh, 0) }
}

/** The usage point a service id names, given the utility's id format. */
export const usagePoint = (
  customers: ReadonlyArray<SandboxCustomer>,
  serviceId: string,
  idOf: (up: SandboxUsagePoint) => string
): SandboxUsagePoint => {
  for (const c of customers) for (const up of c.usagePoints) if (idOf(up) === serviceId) return up
  throw new Error(`No usage point for service ${serviceId} in the sandbox dataset`)
}
