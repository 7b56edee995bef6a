/**
 * THE list of utilities this server serves: one line per adapter package.
 * A utility without real credentials configured runs in test mode against its
 * sandbox, mounted in-process under `/sandbox/<slug>` (so the quick start
 * works offline); the collector reaches it without a network hop.
 */
import type { Collector } from "@meterbridge/core"
import { DemoCollector, DemoSandbox } from "@meterbridge/adapter-demo"

export interface CollectorsConfig {
  /** This server's origin; sandboxes are reachable under `<publicBaseUrl>/sandbox/<slug>`. */
  readonly publicBaseUrl: string
  readonly env: Readonly<Record<string, string | undefined>>
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
  readonly make: (config: CollectorsConfig) => Registered
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

export const registrations: ReadonlyArray<Registration> = [
  { folder: "adapter-demo", utility: "DEMO", make: (cfg) => sandboxed(cfg, "demo", DemoSandbox.makeSandbox(), (baseUrl, fetch) => DemoCollector.make({ baseUrl, fetch })) }
]

export const build = (config: CollectorsConfig): ReadonlyArray<Registered> => registrations.map((r) => r.make(config))

/** `{ "/sandbox/<slug>": app }` for `createApp`'s `mounts`. */
export const mounts = (registered: ReadonlyArray<Registered>) =>
  Object.fromEntries(registered.flatMap((r) => (r.sandbox ? [[`/sandbox/${r.sandbox.slug}`, r.sandbox.app] as const] : [])))
