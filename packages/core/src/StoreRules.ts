/**
 * What every Store refuses before a batch touches its storage: one set of rules, so the memory, SQLite and
 * PostgreSQL stores (and any other) fail the same rows with the same message, and a batch with one bad row
 * writes nothing.
 */
import { Flow, Quality } from "./Interval.ts"
import type { BillRecord, IntervalRecord } from "./Store.ts"

const instant = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n)
const value = (n: unknown) => n === null || (typeof n === "number" && Number.isFinite(n))
const FLOWS: ReadonlyArray<string> = Flow.literals
const QUALITIES: ReadonlyArray<string> = Quality.literals

export const intervalProblem = (i: IntervalRecord): string | undefined => {
  if (!FLOWS.includes(i.flow)) return `invalid flow ${JSON.stringify(i.flow)}`
  if (!QUALITIES.includes(i.quality)) return `invalid quality ${JSON.stringify(i.quality)}`
  if (!instant(i.interval_start) || !instant(i.interval_end) || !instant(i.updated)) {
    return "interval_start, interval_end and updated must be integer microseconds"
  }
  if (i.interval_end <= i.interval_start) return `interval starting at ${i.interval_start} does not end after its start`
  if (!value(i.interval_kWh) || !value(i.interval_kW ?? null)) return "interval values must be finite numbers or null"
  return undefined
}

export const billProblem = (b: BillRecord): string | undefined => {
  if (!instant(b.bill_start_date) || !instant(b.bill_end_date) || !instant(b.updated)) {
    return "bill_start_date, bill_end_date and updated must be integer microseconds"
  }
  if (b.bill_statement_date !== null && !instant(b.bill_statement_date)) return "bill_statement_date must be integer microseconds"
  if (b.bill_end_date <= b.bill_start_date) return `bill starting at ${b.bill_start_date} does not end after its start`
  if (!value(b.bill_total_kWh) || !value(b.bill_total)) return "bill totals must be finite numbers or null"
  return undefined
}
