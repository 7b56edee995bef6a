/**
 * The server registration every Green Button Connect adapter shares: live
 * with `<PREFIX>_CLIENT_ID` / `<PREFIX>_CLIENT_SECRET` (plus any further
 * credentials the utility hands third parties, and an optional client
 * certificate `<PREFIX>_TLS_CERT` / `<PREFIX>_TLS_KEY`), otherwise test mode
 * against the adapter's sandbox Data Custodian serving the last 400 days, so
 * a new account sees recent data. The sandbox comes in as functions, so this
 * module does not import hono.
 */
import { Config, Option } from "effect"
import { Registration, type Collector } from "@meterbridge/core"
import type { ConnectOptions } from "./ConnectCollector.ts"

export interface LiveSettings<K extends string> {
  readonly clientId: string
  readonly clientSecret: string
  readonly tls?: { readonly cert: string; readonly key: string }
  /** The further credentials named in `extra`. */
  readonly extra: Readonly<Record<K, string>>
}

export interface ConnectRegistrationOptions<K extends string, D> {
  readonly utility: string
  readonly slug: string
  /** Settings prefix, e.g. `PGE` for `PGE_CLIENT_ID`. */
  readonly prefix: string
  readonly extra?: ReadonlyArray<K>
  /** The production collector; `redirectUri` is the server's OAuth callback. */
  readonly live: (settings: LiveSettings<K> & { readonly redirectUri: string }) => Collector.Collector
  readonly collector: (options: ConnectOptions & { readonly baseUrl: string }) => Collector.Collector
  readonly sandbox: {
    readonly make: (options: { readonly publicBaseUrl: string; readonly customers: D }) => { readonly app: Registration.FetchApp }
    readonly dataset: (range: { readonly from: string; readonly days: number }) => D
    readonly clientId: string
    readonly clientSecret: string
  }
}

export const make = <K extends string = never, D = unknown>(o: ConnectRegistrationOptions<K, D>): Registration.Registration =>
  Registration.make({
    utility: o.utility,
    slug: o.slug,
    settings: Config.all({
      client: Registration.credentials(o.prefix, ["CLIENT_ID", "CLIENT_SECRET", ...(o.extra ?? [])] as ReadonlyArray<string>),
      tls: Registration.tls(o.prefix)
    }).pipe(
      Config.map(({ client, tls }) =>
        Option.map(client, (c): LiveSettings<K> => ({
          clientId: c["CLIENT_ID"]!,
          clientSecret: c["CLIENT_SECRET"]!,
          ...tls,
          extra: Object.fromEntries((o.extra ?? []).map((k) => [k, c[k]!])) as Record<K, string>
        })))
    ),
    live: (settings, host) => o.live({ ...settings, redirectUri: `${host.publicBaseUrl}/api/oauth/callback` }),
    testMode: (sandboxUrl, host) => ({
      app: o.sandbox.make({ publicBaseUrl: sandboxUrl, customers: o.sandbox.dataset({ from: Registration.dayBefore(host.nowMs, 399).iso, days: 400 }) }).app,
      collector: (baseUrl, fetch) => o.collector({ baseUrl, fetch, clientId: o.sandbox.clientId, clientSecret: o.sandbox.clientSecret })
    })
  })
