import { describe, expect, it } from "vitest"
import { parseEspi, type EspiRecord, type Reading } from "../src/Espi.ts"
import { EspiWriteError, writeEspiFeed, type EspiFeed, type WriterReading } from "../src/EspiWriter.ts"

const PACIFIC = { tzOffset: -28800, dstOffset: 3600, dstStartRule: "360E2000", dstEndRule: "B40E2000" }
// 2024-03-09 00:00 PST → three local days including the 23-hour 2024-03-10.
const T0 = Date.UTC(2024, 2, 9, 8) / 1000
const N = (24 + 23 + 24) * 4

const series = (n: number, seed: number): Array<WriterReading> =>
  Array.from({ length: n }, (_, i) => ({
    start: T0 + i * 900,
    duration: 900,
    value: ((i * seed) % 997) / 1000,
    cost: ((i * 7) % 50) / 100,
    ...(i % 40 === 0 ? { quality: "8" } : {})
  }))

const dataset = (): EspiFeed => ({
  subscriptionId: "sub-1",
  localTime: PACIFIC,
  usagePoints: [
    {
      id: "elec",
      kind: "electricity",
      title: "1 Main St & Co",
      meterReadings: [
        { id: "1", readingType: { id: "imp", unit: "kWh", flow: "delivered", intervalLength: 900, currency: 840 }, readings: series(N, 37) },
        { id: "2", readingType: { id: "exp", unit: "kWh", flow: "received", intervalLength: 900 }, readings: series(N, 11).map(({ cost: _, ...r }) => r) }
      ],
      usageSummaries: [{
        start: T0, duration: 3 * 86400 - 3600, billLastPeriod: 42.5, overallConsumption: 123.456, unit: "kWh", currency: 840,
        lineItems: [{ name: "Energy <peak> & more", amount: 30.25, itemKind: 3, unitCost: 0.3, measurement: { value: 100.5, unit: "kWh" } }, { name: "Customer Charge", amount: 12.25 }]
      }]
    },
    {
      id: "gas",
      kind: "gas",
      meterReadings: [{
        id: "1",
        readingType: { id: "therms", unit: "therm", flow: "delivered", powerOfTenMultiplier: -3 },
        blocks: [{ start: T0, duration: 2 * 86400, readings: [{ start: T0, duration: 86400, value: 1.234 }, { start: T0 + 86400, duration: 82800, value: 2.5 }] }]
      }]
    }
  ]
})

const roundTrip = async (layout: "entryPerBlock" | "blocksInOneEntry") => {
  let xml = ""
  let chunks = 0
  for await (const c of writeEspiFeed(dataset(), { layout, chunkSize: 4096 })) {
    xml += c
    chunks++
  }
  const records: Array<EspiRecord> = []
  for await (const r of parseEspi(xml)) records.push(r)
  return { xml, chunks, records }
}

describe.each(["entryPerBlock", "blocksInOneEntry"] as const)("writeEspiFeed → parseEspi (%s)", (layout) => {
  it("gives back every reading with its value, cost, quality, flow and usage point", async () => {
    const { records, chunks } = await roundTrip(layout)
    expect(chunks).toBeGreaterThan(5) // streamed, not one string
    const readings = records.filter((r): r is Reading => r._tag === "Reading")
    const pick = (up: string, rt: string) =>
      readings.filter((r) => r.usagePointId === up && r.readingTypeId === rt)
        .map(({ start, duration, value, cost, quality }) => ({ start, duration, value, ...(cost !== undefined ? { cost } : {}), ...(quality !== undefined ? { quality } : {}) }))
    expect(pick("elec", "imp")).toEqual(series(N, 37))
    expect(pick("elec", "exp")).toEqual(series(N, 11).map(({ cost: _, ...r }) => r))
    expect(readings.filter((r) => r.readingTypeId === "exp").every((r) => r.flow === "received")).toBe(true)
    expect(pick("gas", "therms")).toEqual([{ start: T0, duration: 86400, value: 1.234 }, { start: T0 + 86400, duration: 82800, value: 2.5 }])
    expect(records.filter((r) => r._tag === "UsagePoint").map((r) => [r.id, r.kind, r.title])).toEqual([["elec", "electricity", "1 Main St & Co"], ["gas", "gas", "gas"]])
    expect(records.find((r) => r._tag === "LocalTime")).toMatchObject(PACIFIC)
  })

  it("gives back bills with line items", async () => {
    const { records } = await roundTrip(layout)
    const bill = records.find((r) => r._tag === "UsageSummary")!
    const written = dataset().usagePoints[0]!.usageSummaries![0]!
    expect(bill).toMatchObject({
      usagePointId: "elec", start: written.start, duration: written.duration, billLastPeriod: 42.5, overallConsumption: 123.456, unit: "kWh", currency: 840,
      statementDate: written.start + written.duration
    })
    expect(bill.lineItems).toEqual([
      { name: "Energy <peak> & more", amount: 30.25, itemKind: 3, unitCost: 0.3, measurement: { value: 100.5, unit: "kWh" } },
      { name: "Customer Charge", amount: 12.25 }
    ])
  })
})

describe("writeEspiFeed", () => {
  it("cuts readings into local-day IntervalBlocks: the spring-forward day is 23 hours", async () => {
    let xml = ""
    for await (const c of writeEspiFeed(dataset())) xml += c
    const mr1 = xml.slice(0, xml.indexOf("MeterReading/2\"/>"))
    const blocks = [...mr1.matchAll(/<espi:interval><espi:duration>(\d+)<\/espi:duration><espi:start>(\d+)</g)].map((m) => [Number(m[2]), Number(m[1]) / 3600])
    expect(blocks).toEqual([[T0, 24], [T0 + 86400, 23], [T0 + 86400 + 82800, 24]])
    const hrefs = [...xml.matchAll(/href="([^"]+)"/g)].map((m) => m[1])
    expect(hrefs).toContain("/espi/1_1/resource/Subscription/sub-1/UsagePoint/elec/MeterReading/1/IntervalBlock/2")
    expect(hrefs).toContain("/espi/1_1/resource/ReadingType/imp")
  })

  it("fails typed on a unit ESPI cannot express and on non-finite values", async () => {
    const bad = (unit: string, value: number) => (async () => {
      for await (const _ of writeEspiFeed({ subscriptionId: "s", usagePoints: [{ id: "u", kind: "electricity", meterReadings: [{ id: "1", readingType: { id: "r", unit, flow: "delivered" }, readings: [{ start: 0, duration: 900, value }] }] }] })) void _
    })()
    await expect(bad("furlongs", 1)).rejects.toBeInstanceOf(EspiWriteError)
    await expect(bad("kWh", Number.NaN)).rejects.toBeInstanceOf(EspiWriteError)
  })
})
