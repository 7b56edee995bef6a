/**
 * Seeds a sandbox customer from a real Green Button (ESPI) file instead of generated data, so the Data Custodian can
 * serve utility-shaped data: every kWh channel with a delivered or received flow becomes a channel cut into local
 * days, and every UsageSummary a bill. Net and non-energy channels (gas, demand) are left out.
 */
import { LocalTime } from "@meterbridge/core"
import { type EspiRecord, parseEspi, type Reading, type UsageSummary } from "../Espi.ts"
import type { TextInput } from "../TextInput.ts"
import {
  offsetSeconds,
  type SandboxBill,
  type SandboxBlock,
  type SandboxChannel,
  type SandboxCustomer,
  type SandboxReading,
  type SandboxUsagePoint
} from "./Dataset.ts"

export interface SeedOptions {
  readonly username?: string
  /** Where blocks are cut at midnight; default America/Los_Angeles. */
  readonly timeZone?: string
}

export class SeedError extends Error {
  override readonly name = "SeedError"
}

const blocksOf = (readings: ReadonlyArray<SandboxReading>, zone: LocalTime.Zone): ReadonlyArray<SandboxBlock> => {
  const days = new Map<number, Array<SandboxReading>>()
  for (const r of readings) {
    const day = Math.floor((r.start + offsetSeconds(zone, r.start)) / 86_400)
    let list = days.get(day)
    if (list === undefined) days.set(day, (list = []))
    list.push(r)
  }
  return [...days.values()].map((list) => {
    const first = list[0]!, last = list.at(-1)!
    return { start: first.start, duration: last.start + last.duration - first.start, readings: list }
  })
}

const billOf = (s: UsageSummary, index: number): SandboxBill => ({
  id: s.id ?? `${s.usagePointId}-bill-${index + 1}`,
  start: s.start,
  duration: s.duration,
  statementDate: s.statementDate ?? s.start + s.duration,
  kWh: s.unit === "kWh" && s.overallConsumption !== null ? s.overallConsumption : 0,
  totalCents: Math.round((s.billLastPeriod ?? 0) * 100),
  lineItems: s.lineItems.map((li) => ({ name: li.name, cents: Math.round(li.amount * 100) }))
})

/** One sandbox customer holding every UsagePoint of the file. */
export const customerFromEspi = async (input: TextInput, options: SeedOptions = {}): Promise<SandboxCustomer> => {
  const zone = LocalTime.zone(options.timeZone ?? "America/Los_Angeles")
  const titles = new Map<string, string | undefined>()
  const channels = new Map<string, { usagePointId: string; flow: "delivered" | "received"; readings: Map<number, SandboxReading> }>()
  const summaries = new Map<string, Array<UsageSummary>>()
  for await (const record of parseEspi(input) as AsyncIterable<EspiRecord>) {
    if (record._tag === "UsagePoint") titles.set(record.id, record.title)
    if (record._tag === "UsageSummary") {
      const list = summaries.get(record.usagePointId) ?? []
      list.push(record)
      summaries.set(record.usagePointId, list)
    }
    if (record._tag !== "Reading") continue
    const r: Reading = record
    if (r.unit !== "kWh" || (r.flow !== "delivered" && r.flow !== "received")) continue
    const key = `${r.usagePointId}\u0000${r.readingTypeId}`
    let channel = channels.get(key)
    if (channel === undefined) channels.set(key, (channel = { usagePointId: r.usagePointId, flow: r.flow, readings: new Map() }))
    // Whole Wh, as the sandbox serves them; the first of repeated starts wins, as in the parser.
    if (!channel.readings.has(r.start)) channel.readings.set(r.start, { start: r.start, duration: r.duration, wh: Math.round(r.value * 1000) })
  }
  const ids = new Set([...titles.keys(), ...[...channels.values()].map((c) => c.usagePointId), ...summaries.keys()])
  if (ids.size === 0) throw new SeedError("The file has no UsagePoint, energy reading or UsageSummary to serve")
  const usagePoints: Array<SandboxUsagePoint> = [...ids].map((id, i) => {
    const mine: Array<SandboxChannel> = []
    for (const c of channels.values()) {
      if (c.usagePointId !== id) continue
      const readings = [...c.readings.values()].sort((a, b) => a.start - b.start)
      mine.push({
        id: `${id}-${mine.length + 1}`,
        flow: c.flow,
        intervalSeconds: readings[0]?.duration ?? 0,
        blocks: blocksOf(readings, zone)
      })
    }
    return {
      id,
      account: `ACCT-${i + 1}`,
      meter: `METER-${i + 1}`,
      address: titles.get(id) ?? `Service point ${id}`,
      tariff: "unknown",
      channels: mine,
      bills: (summaries.get(id) ?? []).sort((a, b) => a.start - b.start).map(billOf)
    }
  })
  return { username: options.username ?? "test", usagePoints }
}
