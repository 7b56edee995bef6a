/**
 * The app factory: each surface is its own Hono app with its own middleware,
 * authentication, error format and encoders — v1 under `/api`, v2 under
 * `/api/v2`, the customer's pages, and the sandboxes of test-mode utilities
 * under `/sandbox/<slug>` — and this composes them. Runtime-neutral: no
 * `listen`, no environment, no Node modules; each runtime's entrypoint hands
 * in an `ApiRuntime`.
 *
 * What every request goes through, whichever surface it is for, lives here
 * and only here: its id, its body read from the stream up to a limit (413
 * before any authentication or hashing work), the per-address limit for
 * requests without credentials, and the operational endpoints `/healthz`,
 * `/readyz` and `/metrics`.
 */
import { Store } from "@meterbridge/core"
import * as Runtime from "./Runtime.ts"
import { readBytes } from "./shared/boundedBody.ts"
import { equal } from "./shared/constantTime.ts"
import { HttpError, internal } from "./shared/HttpError.ts"
import * as RequestInfo from "./shared/RequestInfo.ts"
import { presentsCredentials, tooManyFromAddress } from "./shared/auth.ts"
import { isStreamedUpload } from "./shared/importUpload.ts"
import { run } from "./shared/run.ts"
import * as Shared from "./shared/Shared.ts"
import { errorResponse as v1Error, v1 } from "./v1/app.ts"
import { v2 } from "./v2/app.ts"
import { errorResponse as v2Error } from "./v2/errors.ts"
import { web } from "./web/app.ts"

type Fetch = (request: Request) => Response | Promise<Response>

/** One request as operations see it (metrics, structured logs). */
export interface RequestRecord {
  readonly id: string
  readonly method: string
  /** The matched route pattern (`/api/accounts/:uid`), or the surface's prefix when none matched. */
  readonly route: string
  readonly status: number
  readonly ms: number
  readonly address: string
}

export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail?: string }>>
}

export interface AppOptions {
  /** Sub-apps to mount beside the API, e.g. in-process utility sandboxes (test mode only): `{ "/sandbox/demo": app }`. */
  readonly mounts?: Readonly<Record<string, { fetch: Fetch }>>
  /** Log every request (method, redacted URL, status, time) as a text line. */
  readonly logRequests?: boolean
  /** The client's address and TLS state, from the runtime (see RequestInfo.resolve); without it, "unknown". */
  readonly client?: (request: Request) => RequestInfo.RequestInfo
  /** Request bodies above this many bytes answer 413 (default 1 MiB). */
  readonly maxBodyBytes?: number
  /** Called once per answered request (metrics, access logs). */
  readonly observe?: (record: RequestRecord) => void
  /** `/readyz`: by default, whether the Store answers. */
  readonly ready?: () => Promise<Readiness>
  /** `/metrics` in Prometheus' text format; absent means 404. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>
  /** When set, `/metrics` needs `Authorization: Bearer <this>`. */
  readonly metricsToken?: string
}

export interface App {
  readonly app: { readonly fetch: Fetch; readonly request: (input: string | Request, init?: RequestInit) => Response | Promise<Response> }
  /** Writes pending token request counts; call before shutdown. */
  readonly flush: () => Promise<void>
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

/** The path of an absolute request URL, without building a `URL` (every request pays this). */
const pathOf = (url: string): string => {
  const start = url.indexOf("/", url.indexOf("//") + 2)
  if (start === -1) return "/"
  let end = url.length
  for (let i = start; i < url.length; i++) {
    const ch = url.charCodeAt(i)
    if (ch === 63 /* ? */ || ch === 35 /* # */) {
      end = i
      break
    }
  }
  return url.slice(start, end)
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" } })

/** The request with its body read (bounded) into memory, so no surface ever reads an unbounded stream. */
const buffered = async (request: Request, maxBytes: number): Promise<Request> => {
  // GET and HEAD carry no body. Asking a Node request for `.body` builds the full WHATWG Request behind
  // @hono/node-server's lazy one (headers copied, an AbortSignal wired): the dearest step of a small GET.
  if (request.method === "GET" || request.method === "HEAD") return request
  if (request.body === null) {
    const declared = request.headers.get("content-length")
    if (declared !== null && Number(declared) > maxBytes) throw new HttpError(413, "body_too_large", `Request bodies are limited to ${maxBytes} bytes.`)
    return request
  }
  const bytes = await readBytes(request, maxBytes)
  const headers = new Headers(request.headers)
  headers.delete("transfer-encoding")
  headers.set("content-length", String(bytes.byteLength))
  return new Request(request.url, { method: request.method, headers, body: bytes.byteLength === 0 ? null : (bytes as Uint8Array<ArrayBuffer>), signal: request.signal })
}

export const createApp = (runtime: Runtime.ApiRuntime, options: AppOptions = {}): App => {
  const shared = Shared.make(Runtime.make(runtime))
  const api = shared.runtime
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  type Surface = readonly [prefix: string, fetch: Fetch, error: (e: HttpError) => Response]
  const surfaces: ReadonlyArray<Surface> = [
    ...Object.entries(options.mounts ?? {}).map(([prefix, sub]): Surface => [prefix, (request) => {
      const url = new URL(request.url)
      url.pathname = url.pathname.slice(prefix.length) || "/"
      return sub.fetch(new Request(url, request))
    }, v1Error]),
    ["/api/v2", v2(shared, options).fetch, v2Error],
    ["/api", v1(shared, options).fetch, v1Error]
  ]
  const pages: Surface = ["/", web(shared).fetch, v1Error]

  const ready = options.ready ?? (async (): Promise<Readiness> => {
    try {
      await run(api, Store.Store.use((s) => s.countUsers))
      return { ready: true, checks: { database: { ok: true } } }
    } catch {
      return { ready: false, checks: { database: { ok: false, detail: "the Store does not answer" } } }
    }
  })
  const ops: Readonly<Record<string, Fetch>> = {
    "/healthz": () => json({ status: "ok" }),
    "/readyz": async () => {
      const r = await ready()
      return json({ status: r.ready ? "ready" : "not_ready", checks: r.checks }, r.ready ? 200 : 503)
    },
    "/metrics": async (request) => {
      if (!options.metrics) return json({ error: "not_found", message: "Metrics are not enabled." }, 404)
      if (options.metricsToken !== undefined) {
        const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim() ?? ""
        if (!equal(given, options.metricsToken)) return json({ error: "unauthorized", message: "GET /metrics needs the metrics token." }, 401)
      }
      const m = await options.metrics()
      return new Response(m.body, { headers: { "Content-Type": m.contentType, "Cache-Control": "no-store" } })
    }
  }

  const dispatch = async (request: Request, info: RequestInfo.RequestInfo, path: string): Promise<{ response: Response; route: string }> => {
    const op = ops[path]
    if (op !== undefined) return { response: await op(request), route: path }
    const [prefix, surface, toResponse] = surfaces.find(([p]) => under(path, p)) ?? pages
    try {
      // Anonymous traffic (sign-up, OAuth returns, pages, sandboxes) is limited per client address before any work.
      if (!presentsCredentials(request)) tooManyFromAddress(shared, info.address, "hit")
      // File uploads stream to the runtime's spool under their own, larger limit; every other body is read here.
      const bounded = isStreamedUpload(path) ? request : await buffered(request, maxBody)
      RequestInfo.attach(bounded, info)
      return { response: await surface(bounded), route: info.route ?? prefix }
    } catch (e) {
      if (!(e instanceof HttpError)) api.log(`[error] ${request.method} ${path}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
      // An oversized body's rest is drained by the server without being kept, so the client reads a clean 413.
      return { response: toResponse(e instanceof HttpError ? e : internal()), route: info.route ?? prefix }
    }
  }

  const fetch: Fetch = async (request) => {
    const start = api.now()
    const info = options.client?.(request) ?? RequestInfo.of(request)
    RequestInfo.attach(request, info)
    const path = pathOf(request.url)
    let { response, route } = await dispatch(request, info, path)
    // Failures carry the request id to quote to support; successes keep their plain, pre-built headers (hot path).
    if (response.status >= 400) {
      try {
        response.headers.set("X-Request-Id", info.id)
      } catch {
        // A Response from fetch() has immutable headers: copy it.
        response = new Response(response.body, response)
        response.headers.set("X-Request-Id", info.id)
      }
    }
    options.observe?.({ id: info.id, method: request.method, route, status: response.status, ms: api.now() - start, address: info.address })
    return response
  }
  return {
    app: {
      fetch,
      request: (input, init) => fetch(input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init))
    },
    flush: shared.counter.flush
  }
}
