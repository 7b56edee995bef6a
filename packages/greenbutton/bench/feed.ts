/**
 * What the benchmarks share: the generated 10-year 15-minute feed (350,400 readings, in either layout seen in the
 * wild). The baseline loop they are compared with is `bareLoop.ts`.
 */
import { createWriteStream, statSync } from "node:fs"
import { writeEspiFeed } from "../src/EspiWriter.ts"

export const YEARS = 10
export const READINGS = YEARS * 365 * 96
const T0 = Date.UTC(2015, 0, 1, 8) / 1000
/** kWh with whole Wh, so totals are exact enough to check. */
export const valueAt = (i: number): number => ((i * 7919) % 2500) / 1000
export const LAYOUTS = ["entryPerBlock", "blocksInOneEntry"] as const
export type Layout = (typeof LAYOUTS)[number]

/** The sum every run must reproduce. */
export const expectedTotal = (): number => {
  let expected = 0
  for (let i = 0; i < READINGS; i++) expected += valueAt(i)
  return expected
}

/** Writes the feed to `file` and returns its size in bytes. */
export const generateFeed = async (file: string, layout: Layout): Promise<number> => {
  function* readings() {
    for (let i = 0; i < READINGS; i++) yield { start: T0 + i * 900, duration: 900, value: valueAt(i), cost: valueAt(i) * 0.3 }
  }
  const out = createWriteStream(file)
  for await (const chunk of writeEspiFeed({
    subscriptionId: "bench",
    localTime: { tzOffset: -28800, dstOffset: 3600, dstStartRule: "360E2000", dstEndRule: "B40E2000" },
    usagePoints: [{
      id: "1", kind: "electricity", title: "10 years of 15-minute data",
      meterReadings: [{ id: "1", readingType: { id: "1", unit: "kWh", flow: "delivered", intervalLength: 900, currency: 840 }, readings: readings() }]
    }]
  }, { layout })) {
    if (!out.write(chunk)) await new Promise<void>((ok) => out.once("drain", () => ok()))
  }
  await new Promise<void>((ok, ko) => out.end((e?: Error | null) => (e ? ko(e) : ok())))
  return statSync(file).size
}

export const fmt = (n: number, d = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
