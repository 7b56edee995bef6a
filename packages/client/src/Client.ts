/**
 * The Meterbridge API client: openapi-fetch over the types openapi-typescript
 * generated from the API's OpenAPI document (`schema.ts`), so every path,
 * parameter and response is typed from the same Effect Schemas the server
 * encodes with. Runtime-neutral: `fetch`, `URL` and async iteration only.
 */
import createFetchClient from "openapi-fetch"
import type { components, operations, paths } from "./schema.ts"

export type Schemas = components["schemas"]

export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string
  /** An API token (the dashboard's "API tokens" page or `meterbridge tokens create`). */
  readonly token: string
  /** A fetch of your own (tests, proxies, runtimes without a global one). */
  readonly fetch?: typeof globalThis.fetch
}

/** A response outside 2xx: the status and the error body the API wrote (v1 `{error, message}`, v2 `{error, error_description}`). */
export class ApiError extends Error {
  readonly status: number
  readonly body: unknown
  constructor(status: number, body: unknown) {
    const b = body as { error?: string; message?: string; error_description?: string } | undefined
    super(`${status} ${b?.error ?? ""}: ${b?.error_description ?? b?.message ?? ""}`.trim())
    this.name = "ApiError"
    this.status = status
    this.body = body
  }
}

/** v2 listings the pagination helper walks, and the item each yields. */
export interface Listings {
  readonly "/api/v2/templates": Schemas["Template"]
  readonly "/api/v2/forms": Schemas["Form"]
  readonly "/api/v2/authorizations": Schemas["AuthorizationWithMeters"]
  readonly "/api/v2/meters": Schemas["Meter"]
  readonly "/api/v2/bills": Schemas["V2Bill"]
}
export type ListingPath = keyof Listings
export type ListingQuery<P extends ListingPath> = NonNullable<paths[P]["get"]["parameters"]["query"]>

const LIST_KEY: { readonly [P in ListingPath]: string } = {
  "/api/v2/templates": "templates",
  "/api/v2/forms": "forms",
  "/api/v2/authorizations": "authorizations",
  "/api/v2/meters": "meters",
  "/api/v2/bills": "bills"
}

export interface IntervalWindow {
  /** ISO 8601; defaults to the start of the service's interval coverage. */
  readonly start?: string
  /** ISO 8601; defaults to the end of the service's interval coverage. */
  readonly end?: string
  /** Days per request (default 31): each request's response is what sits in memory at once. */
  readonly windowDays?: number
}

type V1Interval = operations["v1_get_services_uid_intervals"]["responses"][200]["content"]["application/json"][number]

export const createClient = (options: ClientOptions) => {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const headers = { Authorization: `Bearer ${options.token}` }
  const raw = createFetchClient<paths>({ baseUrl: options.baseUrl, headers, fetch: doFetch })

  const json = async <A>(url: string): Promise<A> => {
    const res = await doFetch(new Request(url, { headers }))
    const body = await res.json().catch(() => undefined)
    if (!res.ok) throw new ApiError(res.status, body)
    return body as A
  }

  /** Every item of a v2 listing, page by page (following `next`), filters kept. */
  async function* list<P extends ListingPath>(path: P, query?: ListingQuery<P>): AsyncGenerator<Listings[P]> {
    const first = new URL(path, options.baseUrl)
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) first.searchParams.set(k, String(v))
    let next: string | null = first.toString()
    while (next !== null) {
      const page: Record<string, unknown> = await json(next)
      for (const item of page[LIST_KEY[path]] as ReadonlyArray<Listings[P]>) yield item
      next = page["next"] as string | null
    }
  }

  /**
   * A service's intervals in start order, fetched one window of days at a
   * time, so a decade of 15-minute readings never sits in memory at once.
   */
  async function* intervals(serviceUid: string, window: IntervalWindow = {}): AsyncGenerator<V1Interval> {
    let { start, end } = window
    if (start === undefined || end === undefined) {
      const service = await json<Schemas["Service"]>(new URL(`/api/services/${encodeURIComponent(serviceUid)}.json`, options.baseUrl).toString())
      const coverage = service.interval_coverage
      if (coverage.length === 0) return
      start ??= coverage[0]![0]!
      end ??= coverage[coverage.length - 1]![1]!
    }
    const stepMs = (window.windowDays ?? 31) * 86_400_000
    const endMs = Date.parse(end)
    for (let from = Date.parse(start); from < endMs; from += stepMs) {
      const url = new URL(`/api/services/${encodeURIComponent(serviceUid)}/intervals.json`, options.baseUrl)
      url.searchParams.set("start", new Date(from).toISOString())
      url.searchParams.set("end", new Date(Math.min(from + stepMs, endMs)).toISOString())
      yield* await json<ReadonlyArray<V1Interval>>(url.toString())
    }
  }

  return {
    /** The typed openapi-fetch client: `GET`, `POST`, `PATCH`, `DELETE` on any documented path. */
    raw,
    list,
    intervals,
    /** A call's data, or an `ApiError` for a non-2xx answer. */
    unwrap: async <A>(call: Promise<{ data?: A; error?: unknown; response: Response }>): Promise<A> => {
      const { data, error, response } = await call
      if (!response.ok || data === undefined) throw new ApiError(response.status, error)
      return data
    }
  }
}

export type Client = ReturnType<typeof createClient>
