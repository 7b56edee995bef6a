/**
 * Request bodies for SMT's official API, and the splitting that keeps each
 * request inside SMT's ad-hoc sizing limits (oversized requests may be
 * dropped silently, so the client never sends one).
 */
import { LocalTime } from "@meterbridge/core"
import { formatSmtDate } from "./SmtDates.ts"

/** SMT refuses more ESIIDs than this in one request. */
export const MAX_ESIIDS_PER_REQUEST = 200
/**
 * Days of 15-minute reads per request for one ESIID. SMT's published ad-hoc
 * sizing allows 1 ESIID × 365 days; a month keeps each response around 300 kB
 * and a failed request cheap to retry.
 */
export const DEFAULT_INTERVAL_DAYS_PER_REQUEST = 31
/** Daily and monthly-billing reads are small; one request covers a year. */
export const DEFAULT_SUMMARY_DAYS_PER_REQUEST = 366

/** Who is asking: the service-ID username, `CSP` for third parties, and the DUNS number. */
export interface Requester {
  readonly requestorId: string
  readonly requesterType: string
  readonly duns: string
}

/** SMT echoes `trans_id` back; unique per request (64 random bits, no module state) so a log line finds its reply. */
export const transId = (): string =>
  `mb${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("")}`

const common = (who: Requester) => ({
  trans_id: transId(),
  requestorID: who.requestorId,
  requesterType: who.requesterType,
  requesterAuthenticationID: who.duns
})

export interface DateRange {
  readonly first: LocalTime.LocalDate
  readonly last: LocalTime.LocalDate
}

/** A read request: 15-minute (`readingType` A = consumption and surplus generation), daily or monthly billing. */
export const readBody = (who: Requester, esiids: ReadonlyArray<string>, range: DateRange) => ({
  ...common(who),
  startDate: formatSmtDate(range.first),
  endDate: formatSmtDate(range.last),
  version: "L",
  readingType: "A",
  esiid: [...esiids],
  SMTTermsandConditions: "Y",
  reportFormat: "JSON",
  deliveryMode: "API"
})

export const agreementBody = (
  who: Requester,
  customer: { esiid: string; meterNumber: string; rep: string; email: string },
  months: number
) => ({
  ...common(who),
  customerMeterList: [{ ESIID: customer.esiid, meterNumber: customer.meterNumber, PUCTRORNumber: customer.rep }],
  retailCustomerEmail: customer.email,
  agreementDuration: String(months),
  customerLanguagePreference: "ENGLISH",
  dataType: "IntervalData,DailyData,MonthlyData",
  SMTTermsandConditions: "Y"
})

export const agreementStatusBody = (who: Requester, agreementId: string) => ({ ...common(who), agreementID: agreementId })

export const meterInfoBody = (who: Requester, esiids: ReadonlyArray<string>) => ({ ...common(who), esiid: [...esiids] })

export const odrBody = (who: Requester, esiid: string, meterNumber: string) => ({
  ...common(who),
  ESIID: esiid,
  MeterNumber: meterNumber
})

export const odrStatusBody = (who: Requester, correlationId: string) => ({ ...common(who), correlationId })

/** Consecutive day ranges of at most `maxDays` days covering `first`..`last`. */
export const splitRange = (range: DateRange, maxDays: number): Array<DateRange> => {
  if (!(maxDays >= 1)) throw new RangeError(`maxDays must be at least 1, got ${maxDays}`)
  if (LocalTime.compareDates(range.first, range.last) > 0) return []
  const days = LocalTime.datesBetween(range.first, range.last)
  const out: Array<DateRange> = []
  for (let i = 0; i < days.length; i += maxDays) {
    out.push({ first: days[i]!, last: days[Math.min(i + maxDays, days.length) - 1]! })
  }
  return out
}

export const chunk = <A>(items: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
