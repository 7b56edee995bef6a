/**
 * How an adapter package plugs into a server, so that adding a utility touches
 * only its own package (and one line in the app's list). An adapter exports a
 * `Registration`: its utility, its settings as an Effect `Config` (the runtime
 * reads them from environment variables or Workers bindings through a
 * `ConfigProvider`; the app never names a utility's settings), and how to
 * build its Collector — live when settings are present, otherwise in test mode
 * against its sandbox, which the server mounts in-process under
 * `/sandbox/<slug>`.
 */
import { Config, ConfigProvider, Effect, Option } from "effect"
import type * as Collector from "./Collector.ts"

/** Anything that answers requests: a Hono app, a Workers fetcher. */
export interface FetchApp {
  readonly fetch: (request: Request) => Response | Promise<Response>
}

/** What the server tells an adapter about itself. */
export interface Host {
  /** The server's own origin, e.g. `http://127.0.0.1:3000` (OAuth callbacks are `<origin>/api/oauth/callback`). */
  readonly publicBaseUrl: string
  /** Milliseconds since the epoch, for sandboxes whose data should end "now". */
  readonly nowMs: number
}

/** A utility in test mode: its sandbox app and a Collector aimed at it. */
export interface TestMode {
  readonly app: FetchApp
  readonly collector: (baseUrl: string, fetch: typeof globalThis.fetch) => Collector.Collector
}

export interface Registration<S = unknown> {
  /** The utility ID the API writes (`PG&E`). */
  readonly utility: string
  /** URL-safe name: the sandbox lives under `/sandbox/<slug>`. */
  readonly slug: string
  /**
   * Live settings; `None` when none is set (then the utility runs in test
   * mode). Build it with `credentials` so that a half-configured utility is an
   * error rather than a silent switch to test mode.
   */
  readonly settings: Config.Config<Option.Option<S>>
  readonly live: (settings: S, host: Host) => Collector.Collector
  /** `sandboxUrl` is where the sandbox is served (`<origin>/sandbox/<slug>`), for the links it writes. */
  readonly testMode: (sandboxUrl: string, host: Host) => TestMode
}

/** Erases the settings type, for lists of registrations. */
export const make = <S>(registration: Registration<S>): Registration => registration as unknown as Registration

/** A utility that has no live settings (DEMO). */
export const noSettings: Config.Config<Option.Option<never>> = Config.succeed(Option.none())

const problem = (message: string) => new Config.ConfigError(new ConfigProvider.SourceError({ message }))

/**
 * `<PREFIX>_<NAME>` for each name: all of them (`Some`), none of them
 * (`None`: test mode), or a `ConfigError` naming the missing ones.
 */
export const credentials = <K extends string>(prefix: string, names: ReadonlyArray<K>): Config.Config<Option.Option<Record<K, string>>> =>
  Config.all(names.map((n) => Config.option(Config.String(`${prefix}_${n}`)))).pipe(
    Config.mapEffect((values) => {
      const trimmed = values.map((v) => Option.filter(Option.map(v, (s) => s.trim()), (s) => s !== ""))
      if (trimmed.every(Option.isNone)) return Effect.succeed(Option.none())
      const missing = names.filter((_, i) => Option.isNone(trimmed[i]!))
      if (missing.length > 0) return Effect.fail(problem(`${prefix}: set ${missing.map((n) => `${prefix}_${n}`).join(", ")} too, or none of them for test mode`))
      return Effect.succeed(Option.some(Object.fromEntries(names.map((n, i) => [n, Option.getOrThrow(trimmed[i]!)])) as Record<K, string>))
    })
  )

/** An optional client certificate for mutual TLS: `<PREFIX>_TLS_CERT` and `<PREFIX>_TLS_KEY` (PEM), both or neither. */
export const tls = (prefix: string): Config.Config<{ readonly tls?: { readonly cert: string; readonly key: string } }> =>
  credentials(prefix, ["TLS_CERT", "TLS_KEY"]).pipe(
    Config.map(Option.match({ onNone: () => ({}), onSome: (v) => ({ tls: { cert: v.TLS_CERT, key: v.TLS_KEY } }) }))
  )

/** A fetch that hands requests for `<base>/…` straight to `app`, without a network hop. */
export const inProcessFetch = (base: string, app: FetchApp): typeof globalThis.fetch =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const prefix = new URL(base).pathname.replace(/\/$/, "")
    url.pathname = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname
    return app.fetch(new Request(url, request))
  }) as typeof globalThis.fetch

/** A registered utility, built: its Collector and, in test mode, the sandbox to mount. */
export interface Built {
  readonly collector: Collector.Collector
  readonly sandbox?: { readonly slug: string; readonly app: FetchApp }
}

/** Reads the registration's settings from `provider` and builds it, live or in test mode. */
export const build = (registration: Registration, provider: ConfigProvider.ConfigProvider, host: Host): Effect.Effect<Built, Config.ConfigError> =>
  Effect.map(registration.settings.parse(provider), (settings): Built => {
    if (Option.isSome(settings)) return { collector: registration.live(settings.value, host) }
    const baseUrl = `${host.publicBaseUrl.replace(/\/$/, "")}/sandbox/${registration.slug}`
    const mode = registration.testMode(baseUrl, host)
    return { collector: mode.collector(baseUrl, inProcessFetch(baseUrl, mode.app)), sandbox: { slug: registration.slug, app: mode.app } }
  })

const DAY_MS = 86_400_000

/** The calendar day (UTC) `daysAgo` before `nowMs`, for sandboxes whose data should end now rather than at a fixed date. */
export const dayBefore = (nowMs: number, daysAgo: number) => {
  const d = new Date(nowMs - daysAgo * DAY_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), iso: d.toISOString().slice(0, 10) }
}
