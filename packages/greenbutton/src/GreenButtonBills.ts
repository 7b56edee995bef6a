// No @meterbridge/core here (nor anywhere `summarize` imports): loading it costs the CLI ~0.2 s and ~30 MB at
// start-up. What maps to core's types lives in MeterbridgeRows.ts.
import type { Reading, UsageSummary } from "./EspiRecord.ts"
import { toUtcIso } from "./EspiLocalTime.ts"

/** One billing period of a usage point: the first UsageSummary seen for it, and how many more repeated it. */
export interface BillingPeriod {
  readonly summary: UsageSummary
  /** Further UsageSummaries for the same usage point and period (dropped). */
  readonly duplicates: number
}

/**
 * Collapses UsageSummaries into billing periods. Real files repeat a summary (SCE's carries its UsageSummary twice;
 * a zip may hold the same bills as XML and CSV): a period is the usage point plus its start and duration, so a repeat
 * is counted, never billed twice. The first copy is kept; a repeat that disagrees on the total or the usage is
 * reported, since one of the two is wrong and the file does not say which.
 */
export class BillingPeriods {
  private readonly periods = new Map<string, { summary: UsageSummary; duplicates: number }>()
  /** Bills written as readings, per usage point: used where the usage point has no UsageSummary. */
  private readonly billReadings = new Map<string, Array<BillingPeriod>>()
  readonly conflicts: Array<{ readonly usagePointId: string; readonly message: string }> = []

  /**
   * A reading a billing cycle long with a cost is a bill: Opower-hosted "billing data" downloads (PG&E, SDG&E and
   * others) carry no UsageSummary, only one such reading per bill. Pass readings de-duplicated.
   */
  addReading(r: Reading): void {
    if (r.duration < MIN_BILL_SECONDS || r.cost === undefined) return
    let list = this.billReadings.get(r.usagePointId)
    if (list === undefined) this.billReadings.set(r.usagePointId, (list = []))
    list.push({
      summary: {
        _tag: "UsageSummary", usagePointId: r.usagePointId, start: r.start, duration: r.duration, billLastPeriod: r.cost,
        overallConsumption: r.value, unit: r.unit, lineItems: []
      },
      duplicates: 0
    })
  }

  add(s: UsageSummary): void {
    const key = `${s.usagePointId}\u0000${s.start}\u0000${s.duration}`
    const seen = this.periods.get(key)
    if (seen === undefined) {
      this.periods.set(key, { summary: s, duplicates: 0 })
      return
    }
    seen.duplicates++
    const a = seen.summary
    if (differs(a.billLastPeriod, s.billLastPeriod) || differs(a.overallConsumption, s.overallConsumption)) {
      this.conflicts.push({
        usagePointId: s.usagePointId,
        message: `billing period from ${toUtcIso(s.start)} given twice: total ${a.billLastPeriod} / ${s.billLastPeriod}, ` +
          `usage ${a.overallConsumption} / ${s.overallConsumption} ${s.unit}; kept the first`
      })
    }
  }

  /** Billing periods of one usage point (all when omitted), oldest first. */
  of(usagePointId?: string): ReadonlyArray<BillingPeriod> {
    const summaries = [...this.periods.values()]
    const withSummaries = new Set(summaries.map((p) => p.summary.usagePointId))
    const fromReadings = [...this.billReadings].filter(([u]) => !withSummaries.has(u)).flatMap(([, list]) => list)
    const out = [...summaries, ...fromReadings].filter((p) => usagePointId === undefined || p.summary.usagePointId === usagePointId)
    return out.sort((a, b) => a.summary.start - b.summary.start)
  }
}

/** 25 days: shorter than any billing cycle seen (27–35 days), longer than any interval or daily reading. */
const MIN_BILL_SECONDS = 25 * 86400

const differs = (a: number | null, b: number | null): boolean => a !== null && b !== null && a !== b

/** Sum of a bill's line items, rounded to the hundred-thousandth the ESPI amounts are written in. */
export const lineItemTotal = (s: UsageSummary): number =>
  Math.round(s.lineItems.reduce((t, l) => t + l.amount, 0) * 100_000) / 100_000
