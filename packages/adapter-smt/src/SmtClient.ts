/**
 * A client for SMT's official third-party API: one typed Effect per endpoint.
 * The Collector is built on it; daily reads and on-demand reads are exported
 * for callers that want them (a "read my meter now" button, a daily check).
 */
import { CollectorError, LocalTime } from "@meterbridge/core"
import { Clock, Duration, Effect, Schema } from "effect"
import { errorCodeOf, interpret } from "./internal/Errors.ts"
import { post, type TlsOptions, type Transport } from "./internal/Http.ts"
import { CENTRAL, parseSmtDate } from "./internal/SmtDates.ts"
import { type EnergyDataEntry, type QuarterHour, qualityOf, quarterHoursOfDay, flowOf, SmtWireError } from "./internal/ReadData.ts"
import * as Requests from "./internal/Requests.ts"
import * as Wire from "./internal/Wire.ts"

export const TIME_ZONE = CENTRAL.name

export interface SmtClientOptions {
  /** `https://services.smartmetertexas.net` in production, the sandbox's URL in development. */
  readonly baseUrl: string
  /** The API login SMT issued for the DUNS (HTTP Basic). */
  readonly username: string
  readonly password: string
  /** `requestorID`: the service-ID username. */
  readonly requestorId: string
  /** `requesterAuthenticationID`: the company's DUNS number. */
  readonly duns: string
  /** `requesterType`; third-party service providers are `CSP`. */
  readonly requesterType?: string
  /** The registered client certificate for mutual TLS (required by production SMT). */
  readonly tls?: TlsOptions
  /** Per-request timeout; SMT is slow, the default is 60 s. */
  readonly timeoutMs?: number
  /** A fetch to use instead of the global one (tests, proxies). Ignored when `tls` is set. */
  readonly fetch?: typeof globalThis.fetch
}

type Fx<A> = Effect.Effect<A, CollectorError.CollectorError>

export interface Customer {
  readonly esiid: string
  readonly meterNumber: string
  /** REP of record: PUCT certificate number or name. */
  readonly rep: string
  readonly email: string
}

export interface DailyRead {
  readonly date: LocalTime.LocalDate
  readonly flow: "delivered" | "received"
  readonly kWh: number
  readonly quality: "actual" | "estimated"
}

export interface BillingRead {
  readonly startDate: LocalTime.LocalDate
  readonly endDate: LocalTime.LocalDate
  readonly kWh: number | null
}

export interface OnDemandRead {
  readonly status: "COMPLETED" | "PENDING" | "FAILED"
  /** Meter register reading (kWh) and usage since the last daily read, when completed. */
  readonly registerKWh: number | null
  readonly usageKWh: number | null
  /** `MM/DD/YYYY HH:MM:SS` in America/Chicago, as SMT sends it. */
  readonly readAt: string | null
  readonly message: string | null
}

export interface SmtClient {
  readonly createAgreement: (customer: Customer, months: number) => Fx<typeof Wire.NewAgreementResponse.Type>
  readonly agreement: (agreementId: string) => Fx<Wire.Agreement>
  readonly meterInfo: (esiids: ReadonlyArray<string>) => Fx<ReadonlyArray<Wire.MeterInfo>>
  /** One `/15minintervalreads/` request; callers keep `range` within SMT's sizing (see `Requests.splitRange`). */
  readonly intervalReads: (esiid: string, range: Requests.DateRange) => Fx<ReadonlyArray<QuarterHour>>
  readonly dailyReads: (esiid: string, range: Requests.DateRange) => Fx<ReadonlyArray<DailyRead>>
  readonly monthlyBillingReads: (esiid: string, range: Requests.DateRange) => Fx<ReadonlyArray<BillingRead>>
  readonly requestOnDemandRead: (esiid: string, meterNumber: string) => Fx<string>
  readonly onDemandReadStatus: (correlationId: string) => Fx<OnDemandRead>
  /** Requests an on-demand read and polls `/odrstatus/` until it completes; FAILED is `UtilityUnavailable`. */
  readonly onDemandRead: (
    esiid: string,
    meterNumber: string,
    options?: { readonly pollIntervalMs?: number; readonly timeoutMs?: number }
  ) => Fx<OnDemandRead>
}

const decode = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S, what: string) => {
  const run = Schema.decodeUnknownEffect(schema)
  return (json: unknown): Fx<S["Type"]> =>
    run(json).pipe(
      Effect.mapError((e) =>
        CollectorError.protocolError(`Smart Meter Texas answered ${what} in an unexpected shape: ${e.message}`)
      )
    ) as Fx<S["Type"]>
}

const wire = <A>(f: () => A): Fx<A> =>
  Effect.try({
    try: f,
    catch: (e) => CollectorError.protocolError(e instanceof SmtWireError ? e.message : `Unreadable SMT data: ${String(e)}`)
  })

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const number = (s: string | null | undefined, what: string): number | null => {
  if (s === null || s === undefined || s.trim() === "") return null
  const n = Number(s)
  if (!Number.isFinite(n)) throw new SmtWireError(`SMT sent a non-numeric ${what} "${s}"`)
  return n
}

const date = (s: string, what: string): LocalTime.LocalDate => {
  const d = parseSmtDate(s)
  if (!d) throw new SmtWireError(`SMT sent an unreadable ${what} "${s}" (expected MM/DD/YYYY)`)
  return d
}

/** Midnight starting an `MM/DD/YYYY` day in SMT's zone, as epoch ms; undefined when absent or unreadable. */
export const smtDateToMs = (s: string | null | undefined): number | undefined => {
  const d = s ? parseSmtDate(s) : undefined
  return d ? LocalTime.startOfDay(CENTRAL, d) : undefined
}

export const make = (options: SmtClientOptions): SmtClient => {
  const transport: Transport = {
    baseUrl: options.baseUrl,
    username: options.username,
    password: options.password,
    tls: options.tls,
    timeoutMs: options.timeoutMs ?? 60_000,
    fetch: options.fetch
  }
  const who: Requests.Requester = {
    requestorId: options.requestorId,
    requesterType: options.requesterType ?? "CSP",
    duns: options.duns
  }

  /** POSTs and reads the reply; `undefined` when SMT says it has no data. */
  const call = (path: string, body: unknown, what: string): Fx<unknown | undefined> =>
    Effect.flatMap(Effect.zip(post(transport, path, body, what), Clock.currentTimeMillis), ([reply, nowMs]) => {
      const r = interpret(reply, what, nowMs)
      return r._tag === "Json" ? Effect.succeed(r.json) : r._tag === "NoData" ? Effect.succeed(undefined) : Effect.fail(r.error)
    })

  const decodeAgreement = decode(Wire.NewAgreementResponse, "the agreement request")
  const createAgreement = (customer: Customer, months: number) =>
    Effect.zip(post(transport, "/NewAgreement/", Requests.agreementBody(who, customer, months), "the agreement request"), Clock.currentTimeMillis).pipe(
      Effect.flatMap(([reply, nowMs]) => {
        const r = interpret(reply, "the agreement request", nowMs)
        if (r._tag === "Json") return decodeAgreement(r.json)
        if (r._tag === "Failed" && r.error.retryable) return Effect.fail(r.error)
        // SMT's errorCode refusals here are about what the customer typed (unknown ESIID, meter/REP mismatch).
        const refusal = errorCodeOf(parseJson(reply.text))
        if (refusal) {
          return Effect.fail(CollectorError.invalidAccess(
            `Smart Meter Texas refused the agreement: ${refusal.message || `error ${refusal.code}`}`
          ))
        }
        return Effect.fail(r._tag === "Failed" ? r.error : CollectorError.protocolError(r.message))
      })
    )

  const decodeAgreements = decode(Wire.MyAgreementsResponse, "the agreement status request")
  const agreement = (agreementId: string) =>
    call("/myagreements/", Requests.agreementStatusBody(who, agreementId), "the agreement status request").pipe(
      Effect.flatMap((json) => decodeAgreements(json ?? { agreements: [] })),
      Effect.flatMap((r) => {
        const found = r.agreements.find((a) => a.agreementID === agreementId)
        return found
          ? Effect.succeed(found)
          : Effect.fail(new CollectorError.CollectorError({
            reason: "AuthorizationDenied",
            message: `Smart Meter Texas no longer knows agreement ${agreementId}; ask the customer to authorize again`
          }))
      })
    )

  const decodeMeters = decode(Wire.MeterInfoResponse, "the meter information request")
  const meterInfo = (esiids: ReadonlyArray<string>) =>
    Effect.forEach(
      Requests.chunk(esiids, Requests.MAX_ESIIDS_PER_REQUEST),
      (batch) =>
        call("/meterInfo/", Requests.meterInfoBody(who, batch), "the meter information request").pipe(
          Effect.flatMap((json) => decodeMeters(json ?? { data: [] })),
          Effect.map((r) => r.data)
        )
    ).pipe(Effect.map((batches) => batches.flat()))

  const decodeIntervals = decode(Wire.IntervalReadsResponse, "the 15-minute reads request")
  const intervalReads = (esiid: string, range: Requests.DateRange) =>
    call("/15minintervalreads/", Requests.readBody(who, [esiid], range), "the 15-minute reads request").pipe(
      Effect.flatMap((json) => decodeIntervals(json ?? { energyData: [] })),
      Effect.flatMap((r) =>
        wire(() => r.energyData.flatMap((entry: EnergyDataEntry) => quarterHoursOfDay(entry, CENTRAL)))
      )
    )

  const decodeDaily = decode(Wire.DailyReadsResponse, "the daily reads request")
  const dailyReads = (esiid: string, range: Requests.DateRange) =>
    call("/dailyreads/", Requests.readBody(who, [esiid], range), "the daily reads request").pipe(
      Effect.flatMap((json) => decodeDaily(json ?? { dailyData: [] })),
      Effect.flatMap((r) =>
        wire(() =>
          r.dailyData.map((d): DailyRead => {
            const flow = flowOf(d.RT)
            const quality = qualityOf(d.flag)
            const kWh = number(d.reading, "daily reading")
            if (!flow) throw new SmtWireError(`SMT sent an unknown reading type RT "${d.RT}" (expected C or G)`)
            if (!quality) throw new SmtWireError(`SMT sent an unknown reading flag "${d.flag}" (expected A or E)`)
            if (kWh === null) throw new SmtWireError(`SMT sent an empty daily reading for ${d.DT}`)
            return { date: date(d.DT, "daily read date"), flow: flow as DailyRead["flow"], kWh, quality: quality as DailyRead["quality"] }
          })
        )
      )
    )

  const decodeBilling = decode(Wire.BillingResponse, "the monthly billing request")
  const monthlyBillingReads = (esiid: string, range: Requests.DateRange) =>
    call("/monthlybillingInformation/", Requests.readBody(who, [esiid], range), "the monthly billing request").pipe(
      Effect.flatMap((json) => decodeBilling(json ?? { billingData: [] })),
      Effect.flatMap((r) =>
        wire(() =>
          r.billingData.map((b): BillingRead => ({
            startDate: date(b.startDate, "billing start date"),
            endDate: date(b.endDate, "billing end date"),
            // Billed kWh is what the REP invoiced; actual kWh stands in when SMT leaves it out.
            kWh: number(b.blld_kwh_usg, "billed kWh") ?? number(b.actl_kwh_usg, "actual kWh")
          }))
        )
      )
    )

  const decodeOdr = decode(Wire.OdrResponse, "the on-demand read request")
  const requestOnDemandRead = (esiid: string, meterNumber: string) =>
    call("/odr/", Requests.odrBody(who, esiid, meterNumber), "the on-demand read request").pipe(
      Effect.flatMap((json) =>
        json === undefined ? Effect.fail(CollectorError.unavailable("Smart Meter Texas could not start an on-demand read")) : decodeOdr(json)
      ),
      Effect.map((r) => r.data.correlationId)
    )

  const decodeOdrStatus = decode(Wire.OdrStatusResponse, "the on-demand read status request")
  const onDemandReadStatus = (correlationId: string) =>
    call("/odrstatus/", Requests.odrStatusBody(who, correlationId), "the on-demand read status request").pipe(
      Effect.flatMap((json) =>
        json === undefined
          ? Effect.fail(CollectorError.protocolError(`Smart Meter Texas has no on-demand read ${correlationId}`))
          : decodeOdrStatus(json)
      ),
      Effect.flatMap((r) =>
        wire((): OnDemandRead => ({
          // T-FAILED is SMT's timeout variant of a failed read.
          status: r.data.odrstatus === "T-FAILED" ? "FAILED" : r.data.odrstatus,
          registerKWh: number(r.data.odrread, "register reading"),
          usageKWh: number(r.data.odrusage, "on-demand usage"),
          readAt: r.data.odrdate ?? null,
          message: r.data.responseMessage ?? null
        }))
      )
    )

  const onDemandRead = (
    esiid: string,
    meterNumber: string,
    opts?: { readonly pollIntervalMs?: number; readonly timeoutMs?: number }
  ) =>
    Effect.gen(function*() {
      const pollMs = opts?.pollIntervalMs ?? 5_000
      const deadline = (yield* Clock.currentTimeMillis) + (opts?.timeoutMs ?? 180_000)
      const id = yield* requestOnDemandRead(esiid, meterNumber)
      while (true) {
        const status = yield* onDemandReadStatus(id)
        if (status.status === "COMPLETED") return status
        if (status.status === "FAILED") {
          return yield* Effect.fail(CollectorError.unavailable(
            `The meter did not answer Smart Meter Texas's on-demand read${status.message ? ` (${status.message})` : ""}; try again later`
          ))
        }
        if ((yield* Clock.currentTimeMillis) + pollMs > deadline) {
          return yield* Effect.fail(CollectorError.unavailable("Smart Meter Texas's on-demand read is still pending; try again later"))
        }
        yield* Effect.sleep(Duration.millis(pollMs))
      }
    })

  return {
    createAgreement,
    agreement,
    meterInfo,
    intervalReads,
    dailyReads,
    monthlyBillingReads,
    requestOnDemandRead,
    onDemandReadStatus,
    onDemandRead
  }
}
