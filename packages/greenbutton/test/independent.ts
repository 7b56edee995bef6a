// Figures computed from the raw files with regexes and string splits, independently of the code under test.
import { readFileSync } from "node:fs"

export const FIXTURES = new URL("./fixtures/", import.meta.url)
export const SHARED = new URL("../../../../shared/fixtures/", import.meta.url)

const tag = (name: string) => `<(?:[\\w.-]+:)?${name}\\b[^>]*>`
const inner = (xml: string, name: string): Array<string> =>
  [...xml.matchAll(new RegExp(`${tag(name)}([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`, "g"))].map((m) => m[1]!)

export interface EspiTruth {
  readonly readings: number
  /** Per ReadingType id: count and total scaled to kWh / therm. */
  readonly byReadingType: Map<string, { count: number; total: number; flowDirection: number | undefined; starts: Array<number> }>
  readonly total: number
}

/**
 * Splits the feed into entries, links IntervalBlock entries to their MeterReading (by the `MeterReading/{id}` part of
 * their hrefs) and MeterReadings to ReadingTypes (by their related link), then sums `<value>` × 10^multiplier.
 */
export const espiTruth = (xml: string): EspiTruth => {
  const entries = inner(xml, "entry")
  const href = (e: string, rel: string) =>
    [...e.matchAll(/<(?:\w+:)?link\b([^>]*)>/g)].map((m) => m[1]!).filter((a) => new RegExp(`rel\\s*=\\s*"${rel}"`).test(a))
      .map((a) => /href\s*=\s*"([^"]*)"/.exec(a)![1]!)
  const rts = new Map<string, { pm: number; uom: number; flowDirection: number | undefined }>()
  const mrToRt = new Map<string, string>()
  for (const e of entries) {
    const self = href(e, "self")[0] ?? ""
    const rt = inner(e, "ReadingType")[0]
    if (rt !== undefined) {
      const id = /ReadingType\/([^/]+)$/.exec(self)![1]!
      const fd = inner(rt, "flowDirection")[0]
      rts.set(id, { pm: Number(inner(rt, "powerOfTenMultiplier")[0] ?? 0), uom: Number(inner(rt, "uom")[0]), flowDirection: fd === undefined ? undefined : Number(fd) })
    }
    if (new RegExp(tag("MeterReading")).test(e) || /<(?:\w+:)?MeterReading\s*\/>/.test(e)) {
      const rtLink = href(e, "related").find((h) => /ReadingType\//.test(h))
      if (rtLink !== undefined) mrToRt.set(/UsagePoint\/[^/]+\/MeterReading\/[^/]+/.exec(self)![0], /ReadingType\/([^/]+)/.exec(rtLink)![1]!)
    }
  }
  const byReadingType: EspiTruth["byReadingType"] = new Map()
  let readings = 0
  let total = 0
  for (const e of entries) {
    const blocks = inner(e, "IntervalBlock")
    if (blocks.length === 0) continue
    const self = href(e, "self")[0] ?? ""
    const mr = /UsagePoint\/[^/]+\/MeterReading\/[^/]+/.exec(self)![0]
    const rtId = mrToRt.get(mr) ?? [...rts.keys()][0]!
    const rt = rts.get(rtId)!
    const toUnit = rt.uom === 72 ? 1e-3 : 1
    let acc = byReadingType.get(rtId)
    if (acc === undefined) byReadingType.set(rtId, (acc = { count: 0, total: 0, flowDirection: rt.flowDirection, starts: [] }))
    for (const b of blocks) {
      for (const r of inner(b, "IntervalReading")) {
        const v = Number(inner(r, "value")[0]) * 10 ** rt.pm * toUnit
        acc.count++
        acc.total += v
        acc.starts.push(Number(inner(inner(r, "timePeriod")[0]!, "start")[0]))
        readings++
        total += v
      }
    }
  }
  return { readings, byReadingType, total }
}

export const read = (url: URL): string => readFileSync(url, "utf8")

/** Splits a CSV line on commas outside double quotes. */
export const splitCsv = (line: string): Array<string> => {
  const out: Array<string> = []
  let cur = "", q = false
  for (const ch of line) {
    if (ch === '"') q = !q
    else if (ch === "," && !q) {
      out.push(cur)
      cur = ""
    } else cur += ch
  }
  out.push(cur)
  return out.map((c) => c.replace(/\u00a0/g, " ").trim())
}

export interface SummaryTruth {
  readonly usagePoint: string | undefined
  readonly start: number
  readonly duration: number
  /** Currency units. */
  readonly bill: number | null
  /** kWh (uom 72) or as written × 10^multiplier otherwise. */
  readonly usage: number | null
  readonly items: Array<{ note: string | undefined; amount: number }>
}

/** Every UsageSummary / ElectricPowerUsageSummary in the file, in document order, by regex. */
export const usageSummaryTruth = (xml: string): Array<SummaryTruth> => {
  const out: Array<SummaryTruth> = []
  for (const e of inner(xml, "entry")) {
    const self = /<(?:\w+:)?link\b[^>]*>/g
    const selfHref = [...e.matchAll(self)].map((m) => m[0]).find((l) => /rel\s*=\s*"self"/.test(l))
    const usagePoint = selfHref === undefined ? undefined : /UsagePoint\/([^/"]+)/.exec(selfHref)?.[1]
    for (const s of [...inner(e, "UsageSummary"), ...inner(e, "ElectricPowerUsageSummary")]) {
      const period = inner(s, "billingPeriod")[0]!
      const bill = inner(s, "billLastPeriod")[0]
      const consumption = inner(s, "overallConsumptionLastPeriod")[0]
      const uom = consumption === undefined ? undefined : Number(inner(consumption, "uom")[0])
      const usage = consumption === undefined
        ? null
        : Number(inner(consumption, "value")[0]) * 10 ** Number(inner(consumption, "powerOfTenMultiplier")[0] ?? 0) * (uom === 72 ? 1e-3 : 1)
      out.push({
        usagePoint,
        start: Number(inner(period, "start")[0]),
        duration: Number(inner(period, "duration")[0]),
        bill: bill === undefined ? null : Number(bill) / 1e5,
        usage,
        items: inner(s, "costAdditionalDetailLastPeriod").map((d) => ({ note: inner(d, "note")[0], amount: Number(inner(d, "amount")[0]) / 1e5 }))
      })
    }
  }
  return out
}
