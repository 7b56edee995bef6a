/**
 * THE list of utilities this server serves: one line per adapter package.
 * A utility without real credentials configured runs in test mode against its
 * sandbox, mounted in-process under `/sandbox/<slug>` (so the quick start
 * works offline); the collector reaches it without a network hop.
 */
import { readFileSync } from "node:fs"
import type { Collector } from "@meterbridge/core"
import { DemoCollector } from "@meterbridge/adapter-demo"
import { DemoSandbox } from "@meterbridge/adapter-demo/sandbox"
import { PgeCollector } from "@meterbridge/adapter-pge"
import { PgeSandbox } from "@meterbridge/adapter-pge/sandbox"
import { SceCollector } from "@meterbridge/adapter-sce"
import { SceSandbox } from "@meterbridge/adapter-sce/sandbox"
import { SdgeCollector } from "@meterbridge/adapter-sdge"
import { SdgeSandbox } from "@meterbridge/adapter-sdge/sandbox"
import { SmtCollector } from "@meterbridge/adapter-smt"
import { SmtSandbox } from "@meterbridge/adapter-smt/sandbox"

export interface CollectorsConfig {
  /** This server's origin; sandboxes are reachable under `<publicBaseUrl>/sandbox/<slug>`. */
  readonly publicBaseUrl: string
  readonly env: Readonly<Record<string, string | undefined>>
  /**
   * Test mode (METERBRIDGE_TEST_MODE): utilities without production credentials run against their
   * sandboxes, mounted over HTTP. Off: such utilities are not served at all, and no sandbox is mounted;
   * DEMO (which has no production) still collects from its sandbox in-process.
   */
  readonly testMode: boolean
}

export interface Registered {
  readonly collector: Collector.Collector
  /** Set when the utility runs against its in-process sandbox. */
  readonly sandbox?: { readonly slug: string; readonly app: { fetch: (request: Request) => Response | Promise<Response> } }
}

interface Registration {
  /** The adapter's folder under `packages/` (checked by a test: every adapter is registered). */
  readonly folder: string
  readonly utility: string
  /** The utility as configured; undefined when it has no credentials and test mode is off. */
  readonly make: (config: CollectorsConfig) => Registered | undefined
}

/** A fetch that hands requests for `<base>/…` straight to the sandbox app. */
export const inProcessFetch = (base: string, app: { fetch: (request: Request) => Response | Promise<Response> }): typeof fetch =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const prefix = new URL(base).pathname.replace(/\/$/, "")
    url.pathname = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname
    return app.fetch(new Request(url, request))
  }) as typeof fetch

const sandboxed = <S extends { readonly app: { fetch: (r: Request) => Response | Promise<Response> } }>(
  config: CollectorsConfig,
  slug: string,
  sandbox: S,
  make: (baseUrl: string, fetch: typeof globalThis.fetch, sandbox: S) => Collector.Collector
): Registered => {
  const baseUrl = `${config.publicBaseUrl}/sandbox/${slug}`
  return { collector: make(baseUrl, inProcessFetch(baseUrl, sandbox.app), sandbox), sandbox: { slug, app: sandbox.app } }
}

/** `<PREFIX>_<NAME>` from the environment; all of `names` or none (then the utility runs in test mode). */
const credentials = <K extends string>(env: CollectorsConfig["env"], prefix: string, names: ReadonlyArray<K>): Record<K, string> | undefined => {
  const values = names.map((n) => env[`${prefix}_${n}`]?.trim() || undefined)
  if (values.every((v) => v === undefined)) return undefined
  const missing = names.filter((_, i) => values[i] === undefined)
  if (missing.length > 0) throw new Error(`${prefix}: set ${missing.map((n) => `${prefix}_${n}`).join(", ")} too, or none of them for test mode`)
  return Object.fromEntries(names.map((n, i) => [n, values[i]!])) as Record<K, string>
}

const tlsFrom = (env: CollectorsConfig["env"], prefix: string) => {
  const cert = env[`${prefix}_TLS_CERT_FILE`]
  const key = env[`${prefix}_TLS_KEY_FILE`]
  return cert && key ? { tls: { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") } } : {}
}

const callback = (cfg: CollectorsConfig) => `${cfg.publicBaseUrl}/api/oauth/callback`

const DAY_MS = 86_400_000
/** A calendar day `daysAgo` before today (UTC), for sandboxes whose data should end now rather than at a fixed date. */
const dayBefore = (daysAgo: number) => {
  const d = new Date(Date.now() - daysAgo * DAY_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), iso: d.toISOString().slice(0, 10) }
}
/** Green Button sandboxes in test mode serve the last 400 days, so a new account sees recent data. */
const recentGreenButton = { from: dayBefore(399).iso, days: 400 }

export const registrations: ReadonlyArray<Registration> = [
  { folder: "adapter-demo", utility: "DEMO", make: (cfg) => sandboxed(cfg, "demo", DemoSandbox.makeSandbox(), (baseUrl, fetch) => DemoCollector.make({ baseUrl, fetch })) },
  {
    folder: "adapter-pge",
    utility: "PG&E",
    make: (cfg) => {
      const live = credentials(cfg.env, "PGE", ["CLIENT_ID", "CLIENT_SECRET"])
      if (live) return { collector: PgeCollector.make({ clientId: live.CLIENT_ID, clientSecret: live.CLIENT_SECRET, redirectUri: callback(cfg), ...tlsFrom(cfg.env, "PGE") }) }
      if (!cfg.testMode) return undefined
      return sandboxed(cfg, "pge", PgeSandbox.makeSandbox({ publicBaseUrl: `${cfg.publicBaseUrl}/sandbox/pge`, customers: PgeSandbox.dataset(recentGreenButton) }), (baseUrl, fetch) =>
        PgeCollector.make({ baseUrl, fetch, clientId: PgeSandbox.SANDBOX_CLIENT_ID, clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET }))
    }
  },
  {
    folder: "adapter-sce",
    utility: "SCE",
    make: (cfg) => {
      const live = credentials(cfg.env, "SCE", ["CLIENT_ID", "CLIENT_SECRET"])
      if (live) return { collector: SceCollector.make({ clientId: live.CLIENT_ID, clientSecret: live.CLIENT_SECRET, redirectUri: callback(cfg), ...tlsFrom(cfg.env, "SCE") }) }
      if (!cfg.testMode) return undefined
      return sandboxed(cfg, "sce", SceSandbox.makeSandbox({ publicBaseUrl: `${cfg.publicBaseUrl}/sandbox/sce`, customers: SceSandbox.dataset(recentGreenButton) }), (baseUrl, fetch) =>
        SceCollector.make({ baseUrl, fetch, clientId: SceSandbox.SANDBOX_CLIENT_ID, clientSecret: SceSandbox.SANDBOX_CLIENT_SECRET }))
    }
  },
  {
    folder: "adapter-sdge",
    utility: "SDG&E",
    make: (cfg) => {
      const live = credentials(cfg.env, "SDGE", ["CLIENT_ID", "CLIENT_SECRET", "AUTHORIZATION_URL", "TOKEN_URL", "RESOURCE_BASE_URL"])
      if (live) {
        return {
          collector: SdgeCollector.make({
            clientId: live.CLIENT_ID,
            clientSecret: live.CLIENT_SECRET,
            redirectUri: callback(cfg),
            endpoints: { authorizationUrl: live.AUTHORIZATION_URL, tokenUrl: live.TOKEN_URL, resourceBaseUrl: live.RESOURCE_BASE_URL },
            ...tlsFrom(cfg.env, "SDGE")
          })
        }
      }
      if (!cfg.testMode) return undefined
      return sandboxed(cfg, "sdge", SdgeSandbox.makeSandbox({ publicBaseUrl: `${cfg.publicBaseUrl}/sandbox/sdge`, customers: SdgeSandbox.dataset(recentGreenButton) }), (baseUrl, fetch) =>
        SdgeCollector.make({ baseUrl, fetch, clientId: SdgeSandbox.SANDBOX_CLIENT_ID, clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET }))
    }
  },
  {
    folder: "adapter-smt",
    utility: "SMT",
    make: (cfg) => {
      const live = credentials(cfg.env, "SMT", ["USERNAME", "PASSWORD", "REQUESTOR_ID", "DUNS"])
      if (live) {
        return {
          collector: SmtCollector.make({ baseUrl: cfg.env["SMT_BASE_URL"] ?? "https://services.smartmetertexas.net", username: live.USERNAME, password: live.PASSWORD, requestorId: live.REQUESTOR_ID, duns: live.DUNS, ...tlsFrom(cfg.env, "SMT") })
        }
      }
      if (!cfg.testMode) return undefined
      return sandboxed(cfg, "smt", SmtSandbox.makeSandbox({
        publicBaseUrl: `${cfg.publicBaseUrl}/sandbox/smt`,
        // SMT keeps 24 months; in test mode the data runs up to yesterday.
        firstDate: dayBefore(730),
        lastDate: dayBefore(1)
      }), (baseUrl, fetch, sandbox) =>
        SmtCollector.make({ baseUrl, fetch, username: sandbox.username, password: sandbox.password, requestorId: sandbox.requestorId, duns: sandbox.duns }))
    }
  }
]

export const build = (config: CollectorsConfig): ReadonlyArray<Registered> =>
  registrations.flatMap((r) => {
    const registered = r.make(config)
    return registered === undefined ? [] : [registered]
  })

/** `{ "/sandbox/<slug>": app }` for `createApp`'s `mounts`: sandboxes are reachable over HTTP in test mode only. */
export const mounts = (registered: ReadonlyArray<Registered>, testMode: boolean) =>
  testMode ? Object.fromEntries(registered.flatMap((r) => (r.sandbox ? [[`/sandbox/${r.sandbox.slug}`, r.sandbox.app] as const] : []))) : {}
