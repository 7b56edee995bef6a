import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { EspiParseError, parseEspi, type EspiRecord, type Reading } from "../src/Espi.ts"
import { toLocalDate } from "../src/EspiLocalTime.ts"
import { summarize, summarizeRecords } from "../src/EspiSummary.ts"
import { espiTruth, FIXTURES, read } from "./independent.ts"

const collect = async (input: Parameters<typeof parseEspi>[0]) => {
  const out: Array<EspiRecord> = []
  for await (const r of parseEspi(input)) out.push(r)
  return out
}
const readingsOf = (rs: ReadonlyArray<EspiRecord>) => rs.filter((r): r is Reading => r._tag === "Reading")
const xmlFixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".xml"))

describe("parseEspi on every ESPI fixture", () => {
  it.each(xmlFixtures)("%s: reading count and totals per ReadingType match the raw file", async (file) => {
    const xml = read(new URL(file, FIXTURES))
    const truth = espiTruth(xml)
    const readings = readingsOf(await collect(xml))
    expect(readings.length).toBe(truth.readings)
    for (const [rtId, t] of truth.byReadingType) {
      const mine = readings.filter((r) => r.readingTypeId === rtId)
      expect(mine.length).toBe(t.count)
      expect(mine.reduce((s, r) => s + r.value, 0)).toBeCloseTo(t.total, 6)
      expect(mine.map((r) => r.start)).toEqual(t.starts)
      const expectedFlow = t.flowDirection === 19 ? "received" : "delivered"
      for (const r of mine) expect(r.flow).toBe(expectedFlow)
    }
  })

  it("gives the same records fed as bytes, as one string, and as 7-byte chunks", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("gba-sample-gas-monthly-therms.xml", FIXTURES)))
    const chunks = function*() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7)
    }
    const a = await collect(bytes)
    expect(await collect(chunks())).toEqual(a)
    expect(await collect(new TextDecoder().decode(bytes))).toEqual(a)
  })
})

describe("ESPI semantics", () => {
  it("keeps net-metering import and export apart (batch feed, 3 usage points)", async () => {
    const xml = read(new URL("gba-sample-batch-three-usagepoints-net-metering.xml", FIXTURES))
    const truth = espiTruth(xml)
    const [summary] = (await summarizeRecords(parseEspi(xml))).filter((s) => s.usagePointId === "4284792")
    // 4284792 has one delivered and one received ReadingType; both totals survive, each equal to its raw sum.
    expect(summary!.channels.map((c) => c.flow).sort()).toEqual(["delivered", "received"])
    for (const c of summary!.channels) {
      const t = truth.byReadingType.get(c.readingTypeId)!
      expect(c.flow).toBe(t.flowDirection === 19 ? "received" : "delivered")
      expect(c.total).toBeCloseTo(t.total, 6)
    }
    expect(summary!.totalKWh.export).toBeCloseTo(summary!.channels.find((c) => c.flow === "received")!.total, 9)
    expect(summary!.totalKWh.import).toBeCloseTo(summary!.channels.find((c) => c.flow === "delivered")!.total, 9)
    expect(summary!.duplicates).toBe(0)
  })

  it("scales gas to therms and costs from hundred-thousandths", async () => {
    const xml = read(new URL("gba-sample-gas-monthly-therms.xml", FIXTURES))
    const rs = readingsOf(await collect(xml))
    const costs = [...xml.matchAll(/<cost>(\d+)<\/cost>/g)].map((m) => Number(m[1]) / 100000)
    expect(rs.every((r) => r.unit === "therm")).toBe(true)
    expect(rs.map((r) => r.cost)).toEqual(costs)
    const records = await collect(xml)
    expect(records.find((r) => r._tag === "UsagePoint")).toMatchObject({ kind: "gas" })
  })

  it("turns UsageSummaries into bills with costAdditionalDetailLastPeriod line items (PG&E API)", async () => {
    const xml = read(new URL("pge-api-usagesummaries-line-items.xml", FIXTURES))
    const summaries = (await collect(xml)).filter((r) => r._tag === "UsageSummary")
    expect(summaries).toHaveLength((xml.match(/<ns0:UsageSummary /g) ?? []).length)
    const first = xml.slice(0, xml.indexOf("</ns0:UsageSummary>"))
    const amounts = [...first.matchAll(/<ns0:amount>(\d+)<\/ns0:amount>/g)].map((m) => Number(m[1]) / 100000)
    const notes = [...first.matchAll(/<ns0:note>([^<]+)<\/ns0:note>/g)].map((m) => m[1])
    const bill = summaries[0]!
    expect(bill.billLastPeriod).toBe(Number(/<ns0:billLastPeriod>(\d+)</.exec(first)![1]) / 100000)
    expect(bill.lineItems.map((l) => l.name)).toEqual(notes)
    expect(bill.lineItems.map((l) => l.amount)).toEqual(amounts)
    expect(bill.lineItems.find((l) => l.name === "Max Demand Charge")!.measurement!.unit).toBe("kW")
    expect(bill.overallConsumption).toBe(146000000 / 1000 / 1000)
    expect(summaries[1]!.billLastPeriod).toBeNull()
    expect(summaries.map((s) => s.quality)).toEqual([...xml.matchAll(/<ns0:qualityOfReading>(\d+)</g)].map((m) => m[1]))
  })

  it("reports the two missing 15-minute intervals of the PG&E/Opower sample as gaps, never fills them", async () => {
    const xml = read(new URL("pge-dmd-opower-15min-a10s-sample.xml", FIXTURES))
    const [s] = await summarize(xml)
    expect(s!.gaps.map((g) => g.start)).toEqual(["2011-03-07T00:45:00Z", "2011-03-07T03:45:00Z"])
    expect(s!.readingCount).toBe((xml.match(/<IntervalReading>/g) ?? []).length)
  })
})

describe("DST days come out right from UTC epochs", () => {
  it("hourly March 2011: the spring-forward local day has 23 readings, the others 24", async () => {
    const records = await collect(read(new URL("gba-sample-hourly-2011-03-dst-spring.xml", FIXTURES)))
    const lt = records.find((r) => r._tag === "LocalTime")!
    expect(lt).toMatchObject({ tzOffset: -18000, dstOffset: 3600 })
    const perDay = new Map<string, number>()
    for (const r of readingsOf(records)) {
      const day = toLocalDate(lt, r.start)
      perDay.set(day, (perDay.get(day) ?? 0) + 1)
    }
    expect(perDay.size).toBe(31)
    for (const [day, n] of perDay) expect([day, n]).toEqual([day, day === "2011-03-13" ? 23 : 24])
  })

  it("daily 2012: the DST days last 23 and 25 hours and fall on the right local dates", async () => {
    const records = await collect(read(new URL("gba-sample-daily-365days.xml", FIXTURES)))
    const lt = records.find((r) => r._tag === "LocalTime")!
    const odd = readingsOf(records).filter((r) => r.duration !== 86400)
      .map((r) => [toLocalDate(lt, r.start), r.duration / 3600])
    expect(odd).toEqual([["2012-03-11", 23], ["2012-11-04", 25]])
  })
})

const feed = (entries: string, ns = 'xmlns="http://www.w3.org/2005/Atom"') => `<?xml version="1.0"?><feed ${ns}>${entries}</feed>`
const up = (id: string, kind = 0) =>
  `<entry><link rel="self" href="/Subscription/1/UsagePoint/${id}"/><content><UsagePoint xmlns="http://naesb.org/espi"><ServiceCategory><kind>${kind}</kind></ServiceCategory></UsagePoint></content></entry>`
const mr = (uid: string, mid: string, rt?: string) =>
  `<entry><link rel="self" href="/Subscription/1/UsagePoint/${uid}/MeterReading/${mid}"/>${rt === undefined ? "" : `<link rel="related" href="/ReadingType/${rt}"/>`}<content><MeterReading xmlns="http://naesb.org/espi"/></content></entry>`
const rt = (id: string, fd: number, pm = 0, uom = 72) =>
  `<entry><link rel="self" href="/ReadingType/${id}"/><content><ReadingType xmlns="http://naesb.org/espi"><flowDirection>${fd}</flowDirection><powerOfTenMultiplier>${pm}</powerOfTenMultiplier><uom>${uom}</uom></ReadingType></content></entry>`
const readingXml = (start: number, value: number) =>
  `<IntervalReading><timePeriod><duration>900</duration><start>${start}</start></timePeriod><value>${value}</value></IntervalReading>`
const block = (start: number, values: ReadonlyArray<number>) =>
  `<IntervalBlock xmlns="http://naesb.org/espi"><interval><duration>${values.length * 900}</duration><start>${start}</start></interval>${values.map((v, i) => readingXml(start + i * 900, v)).join("")}</IntervalBlock>`
const blockEntry = (uid: string, mid: string, start: number, values: ReadonlyArray<number>, linksAfter = false) => {
  const link = `<link rel="self" href="/Subscription/1/UsagePoint/${uid}/MeterReading/${mid}/IntervalBlock/${start}"/>`
  return `<entry>${linksAfter ? "" : link}<content>${block(start, values)}</content>${linksAfter ? link : ""}</entry>`
}

describe("robust to real-world feed shapes", () => {
  it("buffers readings whose ReadingType comes later in the feed, and links after <content>", async () => {
    const xml = feed(up("u") + mr("u", "1", "rt9") + blockEntry("u", "1", 0, [1000, 2000], true) + rt("rt9", 19, -1))
    const rs = readingsOf(await collect(xml))
    expect(rs.map((r) => [r.value, r.flow, r.unit])).toEqual([[0.1, "received", "kWh"], [0.2, "received", "kWh"]])
  })

  it("reads every IntervalBlock of an entry, not only the first", async () => {
    const xml = feed(up("u") + mr("u", "1", "a") + rt("a", 1) +
      `<entry><link rel="self" href="/Subscription/1/UsagePoint/u/MeterReading/1/IntervalBlock"/><content>${block(0, [1, 2])}${block(1800, [3, 4])}${block(3600, [5])}</content></entry>`)
    expect(readingsOf(await collect(xml)).map((r) => r.value * 1000)).toEqual([1, 2, 3, 4, 5])
  })

  it("accepts espi: and atom: prefixes instead of default namespaces", async () => {
    const xml = `<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi"><a:entry><a:link rel="self" href="/UsagePoint/p"/><a:content><espi:UsagePoint><espi:ServiceCategory><espi:kind>2</espi:kind></espi:ServiceCategory></espi:UsagePoint></a:content></a:entry>` +
      `<a:entry><a:link rel="self" href="/UsagePoint/p/MeterReading/m"/><a:link rel="related" href="/ReadingType/r"/><a:content><espi:MeterReading/></a:content></a:entry>` +
      `<a:entry><a:link rel="self" href="/ReadingType/r"/><a:content><espi:ReadingType><espi:powerOfTenMultiplier>-3</espi:powerOfTenMultiplier><espi:uom>42</espi:uom></espi:ReadingType></a:content></a:entry>` +
      `<a:entry><a:link rel="self" href="/UsagePoint/p/MeterReading/m/IntervalBlock/1"/><a:content><espi:IntervalBlock><espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration><espi:start>7200</espi:start></espi:timePeriod><espi:value>1500</espi:value></espi:IntervalReading></espi:IntervalBlock></a:content></a:entry></a:feed>`
    const records = await collect(xml)
    expect(records.find((r) => r._tag === "UsagePoint")).toMatchObject({ id: "p", kind: "water" })
    expect(readingsOf(records)).toEqual([{ _tag: "Reading", usagePointId: "p", readingTypeId: "r", start: 7200, duration: 3600, value: 1.5, unit: "m3", flow: "delivered" }])
  })

  it("a UsagePoint without ServiceCategory takes its kind from its ReadingType (therms → gas)", async () => {
    const xml = feed(`<entry><link rel="self" href="/UsagePoint/g"/><content><UsagePoint xmlns="http://naesb.org/espi"/></content></entry>` +
      mr("g", "1", "t") + rt("t", 1, -3, 169) + blockEntry("g", "1", 0, [2500]))
    const records = await collect(xml)
    expect(records.find((r) => r._tag === "UsagePoint")).toMatchObject({ id: "g", kind: "unknown" })
    const [s] = await summarizeRecords(records)
    expect(s).toMatchObject({ usagePointId: "g", kind: "gas", channels: [{ unit: "therm", total: 2.5 }] })
  })

  it("finds the MeterReading by id when hrefs name no UsagePoint; a reading without duration lasts intervalLength", async () => {
    const xml = feed(up("u") +
      `<entry><link rel="self" href="/MeterReading/7?x=1"/><link rel="related" href="/ReadingType/a"/><content><MeterReading xmlns="http://naesb.org/espi"/></content></entry>` +
      `<entry><link rel="self" href="/ReadingType/a"/><content><ReadingType xmlns="http://naesb.org/espi"><intervalLength>3600</intervalLength><uom>72</uom><flowDirection>19</flowDirection></ReadingType></content></entry>` +
      `<entry><link rel="self" href="/MeterReading/7/IntervalBlock/1"/><content><IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><timePeriod><start>0</start></timePeriod><value>42</value></IntervalReading></IntervalBlock></content></entry>`)
    const records = await collect(xml)
    expect(readingsOf(records)).toEqual([{ _tag: "Reading", usagePointId: "u", readingTypeId: "a", start: 0, duration: 3600, value: 0.042, unit: "kWh", flow: "received" }])
    expect(records.some((r) => r._tag === "Issue")).toBe(false)
  })

  it("without any links, uses the feed's only ReadingType and says so", async () => {
    const xml = feed(`<entry><content>${block(0, [500])}</content></entry>` + `<entry><content><ReadingType xmlns="http://naesb.org/espi"><powerOfTenMultiplier>0</powerOfTenMultiplier><uom>72</uom></ReadingType></content></entry>`)
    const records = await collect(xml)
    expect(readingsOf(records).map((r) => r.value)).toEqual([0.5])
    expect(records.some((r) => r._tag === "Issue" && r.kind === "unlinked")).toBe(true)
  })

  it("a MeterReading linking a ReadingType that is not in the feed (redacted PG&E sample) falls back to the feed's only one", async () => {
    const xml = feed(rt("MTY5", 1, -8, 169) + up("R", 1) + mr("R", "R", "REDACTED") + blockEntry("R", "R", 1331794801, [103659540, 103659540]))
    const records = await collect(xml)
    expect(readingsOf(records).map((r) => [r.readingTypeId, r.unit, r.value])).toEqual([["MTY5", "therm", 1.0365954], ["MTY5", "therm", 1.0365954]])
    expect(records.filter((r) => r._tag === "Issue").map((r) => r._tag === "Issue" && r.kind)).toEqual(["unlinked"])
  })

  it("reads a bare IntervalBlock document (no Atom) as Wh and reports the missing ReadingType", async () => {
    const records = await collect(block(100, [250, 750]))
    expect(readingsOf(records).map((r) => r.value)).toEqual([0.25, 0.75])
    expect(records.find((r) => r._tag === "Issue")).toMatchObject({ kind: "missingReadingType" })
  })

  it("de-duplicates readings repeated across blocks and flags a conflicting repeat", async () => {
    const xml = feed(up("u") + mr("u", "1", "a") + rt("a", 1) + blockEntry("u", "1", 0, [1000, 2000, 3000]) +
      blockEntry("u", "1", 1800, [3000, 4000]) + blockEntry("u", "1", 900, [2500]) + blockEntry("u", "1", 4500, [1000]))
    const [s] = await summarizeRecords(parseEspi(xml))
    // starts 0, 900, 1800, 2700 kept; 1800 repeated with the same value; 900 repeated with another value; 3600 missing.
    expect(s!.readingCount).toBe(5)
    expect(s!.totalKWh.import).toBeCloseTo(1 + 2 + 3 + 4 + 1, 9)
    expect(s!.duplicates).toBe(1)
    expect(s!.conflicts).toBe(1)
    expect(s!.gaps).toEqual([{ readingTypeId: "a", start: "1970-01-01T01:00:00Z", end: "1970-01-01T01:15:00Z", seconds: 900 }])
  })

  it("treats empty optional elements (<cost/>, <quality/>) as absent", async () => {
    const xml = feed(up("u") + mr("u", "1", "a") + rt("a", 1) + blockEntry("u", "1", 0, [1000]).replace("<value>", "<cost/><ReadingQuality><quality/></ReadingQuality><value>"))
    expect(readingsOf(await collect(xml))).toEqual([{ _tag: "Reading", usagePointId: "u", readingTypeId: "a", start: 0, duration: 900, value: 1, unit: "kWh", flow: "delivered" }])
  })

  it("accepts a mis-cased resource element (IntervalBLock) and reports a ReadingType without uom", async () => {
    const noUom = `<entry><link rel="self" href="/ReadingType/a"/><content><ReadingType xmlns="http://naesb.org/espi"><powerOfTenMultiplier> 0 </powerOfTenMultiplier></ReadingType></content></entry>`
    const xml = feed(up("u") + mr("u", "1", "a") + noUom + blockEntry("u", "1", 0, [1500, 500]).replace(/IntervalBlock xmlns/, "IntervalBLock xmlns").replace("</IntervalBlock>", "</IntervalBLock>"))
    const records = await collect(xml)
    expect(readingsOf(records).map((r) => r.value)).toEqual([1.5, 0.5])
    expect(records.find((r) => r._tag === "Issue")).toMatchObject({ kind: "unknownUom", readingTypeId: "a" })
  })

  it("stops reading its input when the consumer stops early", async () => {
    let pulled = 0
    let closed = false
    const xml = feed(up("u") + mr("u", "1", "a") + rt("a", 1) + Array.from({ length: 200 }, (_, i) => blockEntry("u", "1", i * 86400, [1, 2, 3])).join(""))
    const chunks = (async function*() {
      try {
        for (let i = 0; i < xml.length; i += 512) {
          pulled++
          yield xml.slice(i, i + 512)
        }
      } finally {
        closed = true
      }
    })()
    let seen = 0
    for await (const r of parseEspi(chunks)) if (r._tag === "Reading" && ++seen === 5) break
    expect(closed).toBe(true)
    expect(pulled).toBeLessThan(xml.length / 512 / 4)
  })

  it("decodes bytes in the encoding the XML declaration names", async () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>` + feed(up("u").replace("<content>", "<title>Caf\u00e9 Z\u00fcrich</title><content>")).replace('<?xml version="1.0"?>', "")
    const latin1 = Uint8Array.from([...xml].map((c) => c.charCodeAt(0)))
    expect((await collect(latin1)).find((r) => r._tag === "UsagePoint")).toMatchObject({ title: "Caf\u00e9 Z\u00fcrich" })
  })

  it("fails with EspiParseError on malformed XML, non-numeric values, and unbounded buffering", async () => {
    await expect(collect(feed("<entry><content>"))).rejects.toBeInstanceOf(EspiParseError)
    await expect(collect(feed(`<entry><content>${block(0, [1]).replace("<value>1<", "<value>x1<")}</content></entry>`))).rejects.toThrow(/not a number/)
    await expect(collect("")).rejects.toBeInstanceOf(EspiParseError)
    const many = feed(up("u") + mr("u", "1", "never") + blockEntry("u", "1", 0, Array.from({ length: 50 }, () => 1)))
    const it = parseEspi(many, { maxBufferedReadings: 10 })
    await expect((async () => { for await (const _ of it) void _ })()).rejects.toThrow(/wait for a ReadingType/)
  })
})
