/**
 * The Green Button Connect My Data Collector every GBC utility shares (PG&E, SCE, SDG&E): a utility adapter gives a
 * `ConnectProfile` (who it is, its endpoints, scope, service-id format) and gets a full `Collector`.
 *
 * authorize → the customer is sent to the utility's consent page (`AwaitingCustomer`, reference = OAuth state);
 * resumeAuthorization(callback query) → code exchange → `Authorized` with tokens and the subscription URI;
 * listServices ← the subscription's UsagePoints; collectBills ← UsageSummaries; collectIntervals ← the
 * UsagePoint's Batch feed in `published-min/max` slices, filtered to the window and de-duplicated per flow.
 * A 401 on data is answered with one token refresh and one retry before it becomes `AuthorizationDenied`.
 */
import { type Collector, CollectorError, Timestamp } from "@meterbridge/core"
import type { Service } from "@meterbridge/core"
import { Clock, Effect, Result, Stream } from "effect"
import { type EspiRecord, EspiParseError, parseEspi, type Reading, type UsageSummary } from "../Espi.ts"
import * as ConnectClient from "./ConnectClient.ts"
import type { TlsOptions } from "./MutualTls.ts"
import { parseUsagePoints, type UsagePointInfo } from "./UsagePoints.ts"

export interface Endpoints {
  readonly authorizationUrl: string
  readonly tokenUrl: string
  /** `…/espi/1_1/resource` */
  readonly resourceBaseUrl: string
}

/** What makes one utility's Green Button Connect different from another's. */
export interface ConnectProfile {
  readonly info: Collector.CollectorInfo
  /** Production endpoints, as the utility publishes them. */
  readonly endpoints: Endpoints
  /** The FB scope string registered with the utility. */
  readonly scope: string
  /** The API's `utility_service_id` for a UsagePoint (SAID, service account, `{account}-{meter}` …). */
  readonly serviceId: (usagePoint: UsagePointInfo) => string
  /** Extra authorization-request parameters. */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** `source` written on every bill and interval. */
  readonly source?: string
}

export interface ConnectOptions {
  /** Points every endpoint at one host (a sandbox): `/oauth/authorize`, `/oauth/token`, `/espi/1_1/resource`. */
  readonly baseUrl?: string
  readonly clientId: string
  readonly clientSecret: string
  /** The redirect URI registered with the utility; default: the API's callback URL from the authorize context. */
  readonly redirectUri?: string
  readonly tls?: TlsOptions
  readonly timeoutMs?: number
  /** Replaces `fetch` for every call (the API reaches an in-process sandbox this way). */
  readonly fetch?: typeof fetch
  /** Longest `published-min/max` slice per request; default 31 days. */
  readonly sliceDays?: number
  /** Refresh this long before the access token lapses; default 60 s. */
  readonly refreshMarginMs?: number
}

/** What the grant holds once authorized (JSON; the core stores it encrypted). */
export interface ConnectGrant {
  readonly accessToken: string
  readonly refreshToken?: string
  /** Epoch ms. */
  readonly accessTokenExpiresAt?: number
  readonly subscriptionUri: string
  readonly authorizationUri?: string
  readonly scope?: string
  readonly redirectUri: string
}

interface PendingGrant {
  readonly state: string
  readonly redirectUri: string
}

export const sandboxEndpoints = (baseUrl: string): Endpoints => {
  const base = baseUrl.replace(/\/$/, "")
  return {
    authorizationUrl: `${base}/oauth/authorize`,
    tokenUrl: `${base}/oauth/token`,
    resourceBaseUrl: `${base}/espi/1_1/resource`
  }
}

const randomState = () => {
  const bytes = new Uint8Array(24)
  crypto.getRandomValues(bytes)
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

const denied = (message: string) => new CollectorError.CollectorError({ reason: "AuthorizationDenied", message })

const readGrant = (grant: Collector.Grant): Effect.Effect<ConnectGrant, CollectorError.CollectorError> =>
  typeof grant["accessToken"] === "string" && typeof grant["subscriptionUri"] === "string" &&
    typeof grant["redirectUri"] === "string"
    ? Effect.succeed(grant as unknown as ConnectGrant)
    : Effect.fail(denied("This account holds no Green Button Connect authorization; the customer must authorize again"))

/** `…/Batch/Subscription/{id}` → `{ root: …/espi/1_1/resource, id }`. */
export const subscriptionOf = (uri: string): { readonly root: string; readonly id: string } | undefined => {
  const m = /^(.*)\/Batch\/Subscription\/([^/?#]+)/.exec(uri)
  return m ? { root: m[1]!, id: m[2]! } : undefined
}

const QUALITY: Record<string, Collector.CollectedInterval["quality"]> = {
  "7": "edited",
  "8": "estimated",
  "9": "estimated",
  "10": "questionable",
  "11": "derived"
}

/** ESPI ReadingQuality codes → the API's quality; the worst code wins when several are written. */
export const qualityOf = (codes: string | undefined): Collector.CollectedInterval["quality"] => {
  if (codes === undefined) return "actual"
  const mapped = codes.split(",").map((c) => QUALITY[c.trim()]).filter((q) => q !== undefined)
  for (const q of ["questionable", "estimated", "edited", "derived"] as const) if (mapped.includes(q)) return q
  return "actual"
}

/** Splits `[start, end)` (µs) into slices of at most `days`. */
export const slices = (window: Collector.DateWindow, days: number): ReadonlyArray<Collector.DateWindow> => {
  const step = days * Timestamp.MICROS_PER_DAY
  const out: Array<Collector.DateWindow> = []
  for (let s = window.start; s < window.end; s += step) out.push({ start: s, end: Math.min(window.end, s + step) })
  return out
}

const toEspiError = (what: string) => (e: unknown): CollectorError.CollectorError => {
  if (e instanceof CollectorError.CollectorError) return e
  if (e instanceof EspiParseError) return CollectorError.protocolError(`${what}: the utility sent unreadable ESPI (${e.message})`)
  return CollectorError.unavailable(`${what}: the answer broke off (${e instanceof Error ? e.message : String(e)})`)
}

export const makeConnectCollector = (profile: ConnectProfile, options: ConnectOptions): Collector.Collector => {
  const endpoints = options.baseUrl === undefined ? profile.endpoints : sandboxEndpoints(options.baseUrl)
  const sliceDays = options.sliceDays ?? 31
  const margin = options.refreshMarginMs ?? 60_000
  const source = profile.source ?? "green_button_connect"
  const clients = new Map<string, ConnectClient.ConnectClient>()
  const clientFor = (redirectUri: string) => {
    let client = clients.get(redirectUri)
    if (client === undefined) {
      client = ConnectClient.make({
        ...endpoints,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        redirectUri,
        scope: profile.scope,
        ...(options.tls === undefined ? {} : { tls: options.tls }),
        ...(profile.authorizationParams === undefined ? {} : { authorizationParams: profile.authorizationParams }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch })
      })
      clients.set(redirectUri, client)
    }
    return client
  }
  const waiting = `Waiting for the customer to approve access at ${profile.info.utility}`

  /** A token that refreshes itself: before it lapses, and once after a 401. Lives for one listing or collection. */
  const session = (grant: ConnectGrant) => {
    const client = clientFor(grant.redirectUri)
    let token = grant.accessToken
    let expiresAt = grant.accessTokenExpiresAt
    let refreshed = false
    const refresh = Effect.suspend(() => {
      if (grant.refreshToken === undefined) return Effect.fail(denied("The access token was refused and there is no refresh token"))
      refreshed = true
      return Effect.map(client.refresh(grant.refreshToken), (t) => {
        token = t.accessToken
        expiresAt = t.expiresAt
      })
    })
    const get = (uri: string, window?: ConnectClient.PublishedWindow): Effect.Effect<Response, CollectorError.CollectorError> =>
      Effect.gen(function*() {
        if (!refreshed && expiresAt !== undefined && expiresAt - margin <= (yield* Clock.currentTimeMillis)) yield* refresh
        return yield* client.get(uri, token, window).pipe(
          Effect.catchIf(
            (e) => e.reason === "AuthorizationDenied" && !refreshed && grant.refreshToken !== undefined,
            () => Effect.flatMap(refresh, () => client.get(uri, token, window))
          )
        )
      })
    return { get }
  }
  type Session = ReturnType<typeof session>

  const usagePoints = (s: Session, grant: ConnectGrant) =>
    Effect.gen(function*() {
      const named = subscriptionOf(grant.subscriptionUri)
      // Resources are read under the configured base: the same host in production, and a mounted sandbox cannot
      // know the prefix it is served under, so the host in its resourceURI may lack it.
      const sub = named === undefined ? undefined : { root: endpoints.resourceBaseUrl.replace(/\/$/, ""), id: named.id }
      if (sub === undefined) return yield* Effect.fail(CollectorError.protocolError(`Unrecognised subscription URI ${grant.subscriptionUri}`))
      const response = yield* s.get(`${sub.root}/Subscription/${sub.id}/UsagePoint`)
      const text = yield* Effect.tryPromise({ try: () => response.text(), catch: toEspiError("reading UsagePoints") })
      const parsed = parseUsagePoints(text)
      if (Result.isFailure(parsed)) return yield* Effect.fail(CollectorError.protocolError(parsed.failure.message))
      return { sub, points: parsed.success }
    })

  const detailsOf = (up: UsagePointInfo): Service.ServiceDetails => ({
    utility_service_id: profile.serviceId(up),
    utility_tariff_name: up.deliveryPoint.tariffProfile ?? null,
    utility_service_address: up.title ?? null,
    utility_billing_account: up.deliveryPoint.customerAgreement ?? null,
    utility_billing_contact: null,
    utility_billing_address: null,
    utility_meter_number: up.deliveryPoint.name ?? null
  })

  /** The UsagePoint behind a service, looked up again so ids of any format map back to the utility's resource. */
  const usagePointOf = (s: Session, grant: ConnectGrant, service: Service.ServiceDetails) =>
    Effect.flatMap(usagePoints(s, grant), ({ points, sub }) => {
      const up = points.find((p) => profile.serviceId(p) === service.utility_service_id)
      return up === undefined
        ? Effect.fail(denied(`Service ${service.utility_service_id} is no longer shared by this authorization`))
        : Effect.succeed({ sub, up })
    })

  /**
   * What `pick` keeps of one GET's records, streamed from the body through the ESPI parser. Picking happens in
   * plain code and reaches the stream in batches, so a year of readings does not pay per-element stream overhead.
   */
  const picked = <A>(
    s: Session,
    uri: string,
    window: ConnectClient.PublishedWindow,
    pick: (record: EspiRecord) => A | undefined
  ): Stream.Stream<A, CollectorError.CollectorError> =>
    Stream.unwrap(
      Effect.map(s.get(uri, window), (response) =>
        Stream.fromAsyncIterable(
          batches(parseEspi((response.body ?? []) as AsyncIterable<Uint8Array>), pick),
          toEspiError(`reading ${new URL(uri, "http://x").pathname}`)
        ).pipe(Stream.flattenIterable))
    )

  return {
    info: profile.info,
    authorize: (access, context) =>
      Effect.gen(function*() {
        const allowed = new Set(profile.info.options.flatMap((set) => set.map((f) => f.name)))
        for (const key of Object.keys(access)) {
          if (!allowed.has(key)) {
            return yield* Effect.fail(
              CollectorError.invalidAccess(`${profile.info.utility} takes no "${key}": the customer approves access on the utility's own site`)
            )
          }
        }
        const hint = access["utility_username"]
        if (hint !== undefined && (hint.trim() === "" || hint.length > 128 || /[\u0000-\u001f]/.test(hint))) {
          return yield* Effect.fail(CollectorError.invalidAccess("utility_username must be 1–128 printable characters"))
        }
        const redirectUri = options.redirectUri ?? context.callbackUrl
        const state = randomState()
        const url = clientFor(redirectUri).authorizationUrl(state, hint === undefined ? undefined : { login_hint: hint.trim() })
        const grant: PendingGrant = { state, redirectUri }
        return { _tag: "AwaitingCustomer" as const, grant: { ...grant }, reference: state, message: waiting, url }
      }),
    resumeAuthorization: (grant, callback) =>
      Effect.gen(function*() {
        const state = grant["state"]
        const redirectUri = grant["redirectUri"]
        if (typeof state !== "string" || typeof redirectUri !== "string") {
          return yield* Effect.fail(CollectorError.protocolError("This grant is not a pending Green Button Connect authorization"))
        }
        if (callback === undefined || Object.keys(callback).length === 0) {
          return yield* Effect.fail(new CollectorError.CollectorError({ reason: "AuthorizationPending", message: waiting }))
        }
        const client = clientFor(redirectUri)
        const validated = yield* client.validateCallback(callback, state)
        const tokens = yield* client.exchangeCode(validated)
        if (tokens.resourceUri === undefined || subscriptionOf(tokens.resourceUri) === undefined) {
          return yield* Effect.fail(
            CollectorError.protocolError(`The token answer names no Batch/Subscription resourceURI (${tokens.resourceUri ?? "none"})`)
          )
        }
        const authorized: ConnectGrant = {
          accessToken: tokens.accessToken,
          ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
          ...(tokens.expiresAt === undefined ? {} : { accessTokenExpiresAt: tokens.expiresAt }),
          subscriptionUri: tokens.resourceUri,
          ...(tokens.authorizationUri === undefined ? {} : { authorizationUri: tokens.authorizationUri }),
          ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
          redirectUri
        }
        return { _tag: "Authorized" as const, grant: { ...authorized } }
      }),
    refreshGrant: (grant) =>
      Effect.gen(function*() {
        const g = yield* readGrant(grant)
        if (g.refreshToken === undefined) return grant
        const tokens = yield* clientFor(g.redirectUri).refresh(g.refreshToken)
        const next: ConnectGrant = {
          ...g,
          accessToken: tokens.accessToken,
          ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
          ...(tokens.expiresAt === undefined ? {} : { accessTokenExpiresAt: tokens.expiresAt })
        }
        return { ...next }
      }),
    listServices: (grant) =>
      Effect.gen(function*() {
        const g = yield* readGrant(grant)
        const { points } = yield* usagePoints(session(g), g)
        const seen = new Set<string>()
        const out: Array<Service.ServiceDetails> = []
        for (const up of points) {
          const details = detailsOf(up)
          if (seen.has(details.utility_service_id)) continue
          seen.add(details.utility_service_id)
          out.push(details)
        }
        return out
      }),
    collectBills: (grant, service, window) =>
      Stream.unwrap(Effect.gen(function*() {
        const g = yield* readGrant(grant)
        const s = session(g)
        const { sub, up } = yield* usagePointOf(s, g, service)
        const uri = `${sub.root}/Subscription/${sub.id}/UsagePoint/${encodeURIComponent(up.id)}/UsageSummary`
        const seen = new Set<string>()
        const published = { publishedMin: Timestamp.toMillis(window.start), publishedMax: Math.ceil(window.end / 1000) }
        return picked(s, uri, published, (r): Collector.CollectedBill | undefined => {
          if (r._tag !== "UsageSummary") return undefined
          const start = Timestamp.fromSeconds(r.start)
          const end = Timestamp.fromSeconds(r.start + r.duration)
          const key = `${r.start}/${r.duration}`
          if (end <= window.start || start >= window.end || seen.has(key)) return undefined
          seen.add(key)
          return billOf(r, service, source)
        })
      })),
    collectIntervals: (grant, service, window) =>
      Stream.unwrap(Effect.gen(function*() {
        const g = yield* readGrant(grant)
        const s = session(g)
        const { sub, up } = yield* usagePointOf(s, g, service)
        const uri = `${sub.root}/Batch/Subscription/${sub.id}/UsagePoint/${encodeURIComponent(up.id)}`
        return Stream.fromIterable(slices(window, sliceDays)).pipe(
          Stream.flatMap((slice) => {
            const seen = new Set<string>()
            const startS = slice.start / Timestamp.MICROS_PER_SECOND
            const endS = slice.end / Timestamp.MICROS_PER_SECOND
            const published = { publishedMin: Timestamp.toMillis(slice.start), publishedMax: Math.ceil(slice.end / 1000) }
            return picked(s, uri, published, (r): Collector.CollectedInterval | undefined => {
              if (r._tag !== "Reading" || r.unit !== "kWh") return undefined
              if (r.start < startS || r.start >= endS || r.duration <= 0) return undefined
              // SCE repeats a day's last reading in the next day's block: one reading per flow and start.
              const key = `${r.flow}/${r.start}`
              if (seen.has(key)) return undefined
              seen.add(key)
              return intervalOf(r, service, source)
            })
          })
        )
      }))
  }
}

async function* batches<A>(
  records: AsyncIterable<EspiRecord>,
  pick: (record: EspiRecord) => A | undefined,
  size = 2048
): AsyncGenerator<Array<A>> {
  let batch: Array<A> = []
  for await (const record of records) {
    const a = pick(record)
    if (a === undefined) continue
    batch.push(a)
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

const intervalOf = (r: Reading, service: Service.ServiceDetails, source: string): Collector.CollectedInterval => ({
  interval_start: Timestamp.fromSeconds(r.start),
  interval_end: Timestamp.fromSeconds(r.start + r.duration),
  interval_kWh: r.value,
  flow: r.flow,
  quality: qualityOf(r.quality),
  utility_service_id: service.utility_service_id,
  utility_tariff_name: service.utility_tariff_name,
  utility_service_address: service.utility_service_address,
  utility_meter_number: service.utility_meter_number,
  source
})

const billOf = (b: UsageSummary, service: Service.ServiceDetails, source: string): Collector.CollectedBill => {
  const start = Timestamp.fromSeconds(b.start)
  const end = Timestamp.fromSeconds(b.start + b.duration)
  return {
    utility_service_id: service.utility_service_id,
    utility_tariff_name: service.utility_tariff_name,
    utility_service_address: service.utility_service_address,
    utility_meter_number: service.utility_meter_number,
    bill_start_date: start,
    bill_end_date: end,
    bill_statement_date: b.statementDate === undefined ? null : Timestamp.fromSeconds(b.statementDate),
    bill_total_kWh: b.overallConsumption !== null && b.unit === "kWh" ? b.overallConsumption : null,
    bill_total: b.billLastPeriod,
    bill_breakdown: {
      line_items: b.lineItems.map((li) => {
        const liStart = li.start ?? b.start
        const liEnd = li.start !== undefined && li.duration !== undefined ? li.start + li.duration : b.start + b.duration
        return {
          name: li.name,
          cost: li.amount,
          rate: null,
          volume: li.measurement?.value ?? null,
          unit: li.measurement?.unit ?? null,
          start: Timestamp.fromSeconds(liStart),
          end: Timestamp.fromSeconds(liEnd)
        }
      })
    },
    source
  }
}

/**
 * The access methods `GET /accounts/add` lists for a Green Button Connect utility: an optional username hint the
 * consent page is prefilled with, or nothing at all (the customer signs in at the utility). The hint set comes first
 * because the API takes the first complete set, and the empty set is always complete.
 */
export const accessOptions = (utility: string): ReadonlyArray<ReadonlyArray<Collector.AccessField>> => [
  [{
    name: "utility_username",
    type: "text",
    help: `Optional: the customer's ${utility} online-account username, prefilled on ${utility}'s consent page. ` +
      `No password: the customer signs in and approves at ${utility}.`
  }],
  []
]
