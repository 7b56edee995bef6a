/**
 * The DEMO utility: log in with `test` / `test` and collect two services'
 * bills and 15-minute intervals over the demo portal's JSON protocol. It is
 * also the template for credential-based adapters: `info` says what the
 * utility is, `make` wires the protocol to the Collector contract.
 */
import { Collector, CollectorError, RetryAfter, Service, TestScenario, Timestamp } from "@meterbridge/core"
import { Clock, Effect, Option, Schema, Stream } from "effect"

export const info: Collector.CollectorInfo = {
  utility: "DEMO",
  name: "Demo (username: test, password: test)",
  allows: ["owner", "3rdparty"],
  login: "credentials",
  options: [[
    { name: "utility_username", type: "text", help: "The login username for the utility account" },
    { name: "utility_password", type: "text", help: "The login password for the utility account" }
  ]],
  timeZone: "America/Los_Angeles",
  capabilities: { bills: true, intervals: true },
  historyDays: 760
}

export interface Options {
  /** Where the DEMO portal (its sandbox) listens, e.g. `http://127.0.0.1:3000/sandbox/demo`. */
  readonly baseUrl: string
  readonly fetch?: typeof globalThis.fetch
  readonly timeoutMs?: number
}

/** How many days one usage request covers; the portal allows 31. */
const PAGE_DAYS = 30

const LineItemWire = Schema.Struct({
  name: Schema.String,
  cost: Schema.Number,
  rate: Schema.NullOr(Schema.Number),
  volume: Schema.NullOr(Schema.Number),
  unit: Schema.NullOr(Schema.String)
})
const BillsWire = Schema.Struct({
  bills: Schema.Array(Schema.Struct({
    start: Schema.String,
    end: Schema.String,
    statement_date: Schema.String,
    total_kwh: Schema.Number,
    total: Schema.Number,
    line_items: Schema.Array(LineItemWire),
    tiers: Schema.optionalKey(Schema.Record(Schema.String, Schema.Number)),
    time_of_use: Schema.optionalKey(Schema.Record(Schema.String, Schema.Number))
  }))
})
const UsageWire = Schema.Struct({
  interval_seconds: Schema.Number,
  unit: Schema.Literal("Wh"),
  readings: Schema.Array(Schema.Tuple([Schema.Number, Schema.Number]))
})
/** The portal lists services with exactly the fields of `ServiceDetails`. */
const ServicesWire = Schema.Struct({ services: Schema.Array(Service.ServiceDetails) })
const SessionWire = Schema.Struct({ session: Schema.String })
/** The portal's error body: `{ error, message }`. */
const ErrorWire = Schema.Struct({ error: Schema.String, message: Schema.optionalKey(Schema.String) })
const decodeError = Schema.decodeUnknownOption(Schema.fromJsonString(ErrorWire))

/** The login that makes the DEMO portal play a test scenario; any password works, none too. */
export const testAccess = (scenario: TestScenario.TestScenario): Collector.Access => ({
  utility_username: `${TestScenario.USERNAME_PREFIX}${scenario}`,
  utility_password: "test"
})

/** A `UAPI_TEST_` username: a scenario login, known or not. */
export const isTestUsername = (username: string): boolean => username.startsWith(TestScenario.USERNAME_PREFIX)

/** Why a `UAPI_TEST_` username that names no scenario is refused. */
export const unknownScenario = (username: string): string =>
  `"${username}" names no test scenario; use ${TestScenario.scenarios.map((s) => testAccess(s)["utility_username"]).join(", ")}`

interface Credentials {
  readonly username: string
  readonly password: string
}

const credentialsOf = (grant: Collector.Grant): Credentials => ({
  username: String(grant["username"] ?? ""),
  password: String(grant["password"] ?? "")
})

const parseIso = (s: string) => {
  const t = Timestamp.parse(s)
  return t === undefined
    ? Effect.fail(CollectorError.protocolError(`DEMO sent an unreadable timestamp "${s}"`))
    : Effect.succeed(t)
}

export const make = (options: Options): Collector.Collector => {
  const fetch = options.fetch ?? globalThis.fetch
  const base = options.baseUrl.replace(/\/$/, "")
  const timeoutMs = options.timeoutMs ?? 30_000

  /** One HTTP exchange, with every failure mapped to a CollectorError reason. */
  const request = <S extends Schema.Top>(
    schema: S,
    path: string,
    init: RequestInit & { session?: string } = {}
  ): Effect.Effect<S["Type"], CollectorError.CollectorError, S["DecodingServices"]> =>
    Effect.gen(function*() {
      const headers: Record<string, string> = { accept: "application/json" }
      if (init.body) headers["content-type"] = "application/json"
      if (init.session) headers["authorization"] = `Bearer ${init.session}`
      const response = yield* Effect.tryPromise({
        try: (signal) => fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }),
        catch: (e) => CollectorError.unavailable(`DEMO did not answer: ${e instanceof Error ? e.message : String(e)}`)
      })
      if (response.status === 429) {
        const after = RetryAfter.toMillis(response.headers.get("retry-after"), yield* Clock.currentTimeMillis)
        yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
        return yield* CollectorError.rateLimited("DEMO is rate limiting requests", after)
      }
      if (response.status >= 500) {
        yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
        return yield* CollectorError.unavailable(`DEMO answered HTTP ${response.status}`)
      }
      if (response.status === 401) {
        yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
        return yield* CollectorError.invalidCredentials()
      }
      const text = yield* Effect.tryPromise({
        try: () => response.text(),
        catch: () => CollectorError.unavailable("DEMO's answer broke off")
      })
      if (!response.ok) {
        // A portal error (locked account, maintenance notice…) that no retry fixes: say what the utility said.
        const said = Option.match(decodeError(text), {
          onNone: () => `HTTP ${response.status}: ${text.slice(0, 200)}`,
          onSome: (e) => e.message ?? e.error
        })
        return yield* CollectorError.protocolError(`DEMO returned an error: ${said}`)
      }
      const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => CollectorError.protocolError("DEMO sent invalid JSON") })
      return yield* Schema.decodeUnknownEffect(schema)(json).pipe(
        Effect.mapError(() => CollectorError.protocolError(`DEMO sent an unexpected ${path.split("?")[0]} payload`))
      )
    })

  const login = (c: Credentials) =>
    request(SessionWire, "/api/login", { method: "POST", body: JSON.stringify(c) }).pipe(Effect.map((r) => r.session))

  const seconds = (t: Timestamp.Micros) => Math.floor(t / Timestamp.MICROS_PER_SECOND)

  return Collector.make({
    info,
    testAccess,

    authorize: (access) =>
      Effect.gen(function*() {
        const username = access["utility_username"]?.trim()
        // Scenario logins come from any utility's form (core runs their test authorizations here), password or not.
        const password = access["utility_password"] ?? (username && isTestUsername(username) ? "" : undefined)
        if (!username || password === undefined || (password === "" && !isTestUsername(username))) {
          return yield* CollectorError.invalidAccess("DEMO needs utility_username and utility_password")
        }
        if (isTestUsername(username) && TestScenario.fromUsername(username) === undefined) {
          return yield* CollectorError.invalidAccess(unknownScenario(username))
        }
        yield* login({ username, password })
        return { _tag: "Authorized", grant: { username, password } } as const
      }),

    listServices: (grant) =>
      Effect.gen(function*() {
        const session = yield* login(credentialsOf(grant))
        const { services } = yield* request(ServicesWire, "/api/services", { session })
        return services
      }),

    collectBills: (grant, service, window) =>
      Stream.unwrap(Effect.gen(function*() {
        const session = yield* login(credentialsOf(grant))
        const path = `/api/services/${encodeURIComponent(service.utility_service_id)}/bills?from=${seconds(window.start)}&to=${seconds(window.end)}`
        const { bills } = yield* request(BillsWire, path, { session })
        const out: Array<Collector.CollectedBill> = []
        for (const b of bills) {
          const start = yield* parseIso(b.start)
          const end = yield* parseIso(b.end)
          out.push({
            utility_service_id: service.utility_service_id,
            utility_tariff_name: service.utility_tariff_name,
            utility_service_address: service.utility_service_address,
            utility_meter_number: service.utility_meter_number,
            bill_start_date: start,
            bill_end_date: end,
            bill_statement_date: yield* parseIso(b.statement_date),
            bill_total_kWh: b.total_kwh,
            bill_total: b.total,
            bill_breakdown: {
              line_items: b.line_items.map((i) => ({ ...i, start, end })),
              ...(b.tiers ? { tiers: b.tiers } : {}),
              ...(b.time_of_use ? { time_of_use: b.time_of_use } : {})
            },
            source: null
          })
        }
        return Stream.fromIterable(out)
      })),

    collectIntervals: (grant, service, window) =>
      Stream.unwrap(Effect.gen(function*() {
        const session = yield* login(credentialsOf(grant))
        // Page boundaries sit on 15-minute marks so no reading straddles two pages.
        const from = Math.ceil(seconds(window.start) / 900) * 900
        const to = seconds(window.end)
        const id = encodeURIComponent(service.utility_service_id)
        return Stream.paginate(from, (pageStart) =>
          Effect.gen(function*() {
            const pageEnd = Math.min(to, pageStart + PAGE_DAYS * 86_400)
            if (pageEnd <= pageStart) return [[], Option.none()] as const
            const usage = yield* request(UsageWire, `/api/services/${id}/usage?from=${pageStart}&to=${pageEnd}`, { session })
            const step = usage.interval_seconds
            const intervals = usage.readings.map(([start, wh]): Collector.CollectedInterval => ({
              interval_start: Timestamp.fromSeconds(start),
              interval_end: Timestamp.fromSeconds(start + step),
              interval_kWh: wh / 1000,
              flow: "delivered",
              quality: "actual",
              utility_service_id: service.utility_service_id,
              utility_tariff_name: service.utility_tariff_name,
              utility_service_address: service.utility_service_address,
              utility_meter_number: service.utility_meter_number,
              source: null
            }))
            return [intervals, pageEnd < to ? Option.some(pageEnd) : Option.none()] as const
          })
        )
      }))
  })
}
