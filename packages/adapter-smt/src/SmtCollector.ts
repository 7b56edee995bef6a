/**
 * Smart Meter Texas as a Meterbridge Collector. Authorization is an SMT
 * energy-data-sharing agreement: SMT emails the customer, who confirms, and
 * the agreement lasts 12 months. Data comes from SMT's official API in
 * America/Chicago days, which this adapter turns into UTC intervals.
 */
import { type Collector, CollectorError, LocalTime, type Service, Timestamp } from "@meterbridge/core"
import { Clock, Effect, Stream } from "effect"
import { CENTRAL } from "./internal/SmtDates.ts"
import * as Requests from "./internal/Requests.ts"
import * as SmtClient from "./SmtClient.ts"
import type { AgreementStatus } from "./internal/Wire.ts"

/** UtilityAPI's SMT test account: any meter number and REP, and it works before registration is live. */
export const TEST_ESIID = "123456789"
/** SMT agreements last 12 months, then the customer must authorize again. */
export const AGREEMENT_MONTHS = 12

export const info: Collector.CollectorInfo = {
  utility: "SMT",
  name: "Smart Meter Texas",
  allows: ["owner", "3rdparty"],
  login: "smt_agreement",
  options: [[
    {
      name: "esiid",
      type: "text",
      help: "ESIID: the 17 to 22 digit Electric Service Identifier printed on the electricity bill (123456789 for the test account)"
    },
    { name: "meter_number", type: "text", help: "Meter number, printed on the bill and on the meter" },
    {
      name: "rep",
      type: "text",
      help: "Retail electric provider of record: its name or PUCT certificate number, printed on the bill"
    },
    {
      name: "email",
      type: "email",
      help: "Email address Smart Meter Texas sends the data-sharing confirmation to; the customer must click the link in it"
    }
  ]],
  timeZone: SmtClient.TIME_ZONE,
  capabilities: { bills: true, intervals: true },
  // SMT keeps 24 months of reads.
  historyDays: 730,
  requiresRegistration: true
}

export interface SmtCollectorOptions extends SmtClient.SmtClientOptions {
  /** Days of 15-minute reads per SMT request (default 31; SMT allows 365 for one ESIID). */
  readonly intervalDaysPerRequest?: number
}

type Fx<A> = Effect.Effect<A, CollectorError.CollectorError>

interface SmtGrant {
  readonly esiid: string
  readonly meterNumber: string
  readonly rep: string
  readonly email: string
  readonly agreementId: string
}

const SOURCE = "smt"

type ServiceRef = Pick<Service.ServiceDetails, "utility_service_id" | "utility_service_address" | "utility_meter_number">
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const METER = /^[A-Za-z0-9-]{1,40}$/

const denied = (message: string) => new CollectorError.CollectorError({ reason: "AuthorizationDenied", message })

/** `jane@example.com` → `j***@example.com`: enough for the customer to recognise, no more. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf("@")
  return at <= 0 ? "***" : `${email[0]}***${email.slice(at)}`
}

/** Checks the submitted fields; ESIIDs pasted from SMT's CSV keep their leading apostrophe, which is dropped. */
export const validateAccess = (access: Collector.Access): Fx<SmtClient.Customer> => {
  const field = (name: string) => (typeof access[name] === "string" ? access[name].trim() : "")
  const missing = ["esiid", "meter_number", "rep", "email"].filter((n) => field(n) === "")
  if (missing.length > 0) {
    return Effect.fail(CollectorError.invalidAccess(`Missing ${missing.join(", ")}: Smart Meter Texas needs the ESIID, meter number, retail electric provider and email`))
  }
  const esiid = field("esiid").replace(/^'/, "").replace(/[\s-]/g, "")
  if (esiid !== TEST_ESIID && !/^\d{17,22}$/.test(esiid)) {
    return Effect.fail(CollectorError.invalidAccess(
      `esiid "${field("esiid")}" is not an ESIID: it has 17 to 22 digits and is printed on the electricity bill (${TEST_ESIID} is the test ESIID)`
    ))
  }
  const meterNumber = field("meter_number")
  if (!METER.test(meterNumber)) {
    return Effect.fail(CollectorError.invalidAccess(`meter_number "${meterNumber}" should be letters and digits, as printed on the bill`))
  }
  const rep = field("rep")
  if (rep.length > 100) return Effect.fail(CollectorError.invalidAccess("rep is too long: give the provider's name or PUCT number"))
  const email = field("email")
  if (!EMAIL.test(email)) return Effect.fail(CollectorError.invalidAccess(`email "${email}" is not an email address`))
  return Effect.succeed({ esiid, meterNumber, rep, email })
}

const readGrant = (grant: Collector.Grant): Fx<SmtGrant> => {
  const g = grant as Partial<Record<keyof SmtGrant, unknown>>
  return typeof g.esiid === "string" && typeof g.meterNumber === "string" && typeof g.agreementId === "string" &&
      typeof g.email === "string" && typeof g.rep === "string"
    ? Effect.succeed(g as SmtGrant)
    : Effect.fail(CollectorError.protocolError("This account's Smart Meter Texas grant is incomplete; authorize again"))
}

const addMonths = (ms: number, months: number) => {
  const d = new Date(ms)
  d.setUTCMonth(d.getUTCMonth() + months)
  return d.getTime()
}

export const make = (options: SmtCollectorOptions) => {
  const client = SmtClient.make(options)
  const daysPerRequest = options.intervalDaysPerRequest ?? Requests.DEFAULT_INTERVAL_DAYS_PER_REQUEST

  /** What an agreement's status means for the account. */
  const outcome = (grant: SmtGrant, status: AgreementStatus, endDate: string | null | undefined): Fx<Collector.Authorization> => {
    switch (status) {
      case "ACTIVE":
        // The agreement's own end date, else the usual term counted from now (Effect's Clock, so tests move it).
        return Effect.map(Clock.currentTimeMillis, (nowMs) => ({
          _tag: "Authorized" as const,
          grant: { ...grant },
          expires: Timestamp.fromMillis(SmtClient.smtDateToMs(endDate) ?? addMonths(nowMs, AGREEMENT_MONTHS))
        }))
      case "PENDING":
        return Effect.succeed({
          _tag: "AwaitingCustomer",
          grant: { ...grant },
          reference: grant.agreementId,
          message: `Waiting for the customer to confirm the Smart Meter Texas email sent to ${maskEmail(grant.email)}`
        })
      case "DECLINED":
        return Effect.fail(denied("The customer declined the Smart Meter Texas data-sharing agreement; ask them to authorize again"))
      case "EXPIRED":
        return Effect.fail(denied(
          `The Smart Meter Texas agreement ${endDate ? `expired on ${endDate}` : "expired"} (agreements last ${AGREEMENT_MONTHS} months, and unconfirmed ones lapse); ask the customer to authorize again`
        ))
      case "TERMINATED":
        return Effect.fail(denied("The Smart Meter Texas agreement was terminated; ask the customer to authorize again"))
    }
  }

  const authorize = (access: Collector.Access, context: Collector.AuthorizeContext) =>
    Effect.gen(function*() {
      const customer = yield* validateAccess(access)
      if (customer.esiid !== TEST_ESIID && context.registration !== "live") {
        return yield* Effect.fail(new CollectorError.CollectorError({
          reason: "RegistrationNotLive",
          message:
            `Your Smart Meter Texas registration is not live yet: only the test ESIID ${TEST_ESIID} can be authorized until SMT approves it (2–4 weeks).`
        }))
      }
      const created = yield* client.createAgreement(customer, AGREEMENT_MONTHS)
      const grant: SmtGrant = { ...customer, agreementId: created.agreementID }
      return yield* outcome(grant, created.agreementStatus, created.endDate)
    })

  /** SMT has no redirect: the customer answers an email, so resuming always polls the agreement. */
  const resumeAuthorization = (raw: Collector.Grant, _callback?: Readonly<Record<string, string>>) =>
    Effect.gen(function*() {
      const grant = yield* readGrant(raw)
      const agreement = yield* client.agreement(grant.agreementId)
      const next = yield* outcome(grant, agreement.status, agreement.endDate)
      if (next._tag === "AwaitingCustomer") {
        return yield* Effect.fail(new CollectorError.CollectorError({
          reason: "AuthorizationPending",
          message: `The customer has not yet confirmed the Smart Meter Texas email sent to ${maskEmail(grant.email)}`
        }))
      }
      return next
    })

  const listServices = (raw: Collector.Grant) =>
    Effect.gen(function*() {
      const grant = yield* readGrant(raw)
      const meters = yield* client.meterInfo([grant.esiid])
      const known = meters.length > 0 ? meters : [{ esiid: grant.esiid, meterNumber: grant.meterNumber }]
      return known.map((m) => {
        const line2 = [m.city, [m.state, m.zip].filter(Boolean).join(" ")].filter(Boolean).join(", ")
        const address = [m.address, line2].filter(Boolean).join(", ")
        return {
          utility_service_id: m.esiid,
          utility_tariff_name: null,
          utility_service_address: address === "" ? null : address,
          utility_billing_account: null,
          utility_billing_contact: null,
          utility_billing_address: null,
          utility_meter_number: m.meterNumber
        }
      })
    })

  /** The local days SMT must be asked about for a UTC window. */
  const daysOf = (window: Collector.DateWindow): Requests.DateRange | undefined => {
    if (window.end <= window.start) return undefined
    const first = LocalTime.dateAt(CENTRAL, Timestamp.toMillis(window.start))
    const last = LocalTime.dateAt(CENTRAL, Timestamp.toMillis(window.end - 1))
    return LocalTime.compareDates(first, last) <= 0 ? { first, last } : undefined
  }

  const collectIntervals = (raw: Collector.Grant, service: ServiceRef, window: Collector.DateWindow) =>
    Stream.unwrap(Effect.map(readGrant(raw), () => {
      const range = daysOf(window)
      const ranges = range ? Requests.splitRange(range, daysPerRequest) : []
      return Stream.fromIterable(ranges).pipe(
        Stream.mapEffect((r) => client.intervalReads(service.utility_service_id, r)),
        Stream.flatMap((quarterHours) =>
          Stream.fromIterable(quarterHours.flatMap((q): Array<Collector.CollectedInterval> => {
            const start = Timestamp.fromMillis(q.startMs)
            if (start < window.start || start >= window.end) return []
            return [{
              interval_start: start,
              interval_end: Timestamp.fromMillis(q.endMs),
              interval_kWh: q.kWh,
              flow: q.flow,
              quality: q.quality,
              utility_service_id: service.utility_service_id,
              utility_tariff_name: null,
              utility_service_address: service.utility_service_address,
              utility_meter_number: service.utility_meter_number,
              source: SOURCE
            }]
          }))
        )
      )
    }))

  const collectBills = (raw: Collector.Grant, service: ServiceRef, window: Collector.DateWindow) =>
    Stream.unwrap(Effect.map(readGrant(raw), () => {
      const range = daysOf(window)
      const ranges = range ? Requests.splitRange(range, Requests.DEFAULT_SUMMARY_DAYS_PER_REQUEST) : []
      const seen = new Set<string>()
      return Stream.fromIterable(ranges).pipe(
        Stream.mapEffect((r) => client.monthlyBillingReads(service.utility_service_id, r)),
        Stream.flatMap((reads) =>
          Stream.fromIterable(reads.flatMap((b): Array<Collector.CollectedBill> => {
            const start = Timestamp.fromMillis(LocalTime.startOfDay(CENTRAL, b.startDate))
            const end = Timestamp.fromMillis(LocalTime.startOfDay(CENTRAL, b.endDate))
            const key = `${start}/${end}`
            // Adjacent requests both return a bill that straddles their boundary.
            if (end <= window.start || start >= window.end || seen.has(key)) return []
            seen.add(key)
            return [{
              utility_service_id: service.utility_service_id,
              utility_tariff_name: null,
              utility_service_address: service.utility_service_address,
              utility_meter_number: service.utility_meter_number,
              bill_start_date: start,
              bill_end_date: end,
              bill_statement_date: null,
              bill_total_kWh: b.kWh,
              // SMT knows meter reads, not prices: the REP sends the invoice.
              bill_total: null,
              bill_breakdown: null,
              source: SOURCE
            }]
          }))
        )
      )
    }))

  const collector = {
    info,
    authorize,
    resumeAuthorization,
    listServices,
    collectBills,
    collectIntervals
  } satisfies Collector.Collector
  return Object.assign(collector, { client })
}

/** The Collector, plus the SMT client it runs on (daily and on-demand reads). */
export type SmtCollector = ReturnType<typeof make>
