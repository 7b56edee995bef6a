/** Checks made before a batch touches the database, so a bad row fails the batch with a clear message. */
import type { Store } from "@meterbridge/core"
import { flowCode, qualityCode } from "./rows.ts"

const instant = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n)
const value = (n: unknown) => n === null || (typeof n === "number" && Number.isFinite(n))

export const intervalProblem = (i: Store.IntervalRecord): string | undefined => {
  if (flowCode(i.flow) < 0) return `invalid flow ${JSON.stringify(i.flow)}`
  if (qualityCode(i.quality) < 0) return `invalid quality ${JSON.stringify(i.quality)}`
  if (!instant(i.interval_start) || !instant(i.interval_end) || !instant(i.updated)) {
    return "interval_start, interval_end and updated must be integer microseconds"
  }
  if (i.interval_end <= i.interval_start) return `interval starting at ${i.interval_start} does not end after its start`
  if (!value(i.interval_kWh) || !value(i.interval_kW ?? null)) return "interval values must be finite numbers or null"
  return undefined
}

export const billProblem = (b: Store.BillRecord): string | undefined => {
  if (!instant(b.bill_start_date) || !instant(b.bill_end_date) || !instant(b.updated)) {
    return "bill_start_date, bill_end_date and updated must be integer microseconds"
  }
  if (b.bill_statement_date !== null && !instant(b.bill_statement_date)) return "bill_statement_date must be integer microseconds"
  if (b.bill_end_date <= b.bill_start_date) return `bill starting at ${b.bill_start_date} does not end after its start`
  if (!value(b.bill_total_kWh) || !value(b.bill_total)) return "bill totals must be finite numbers or null"
  return undefined
}
