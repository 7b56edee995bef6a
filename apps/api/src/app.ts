/**
 * The app factory: each surface is its own Hono app with its own middleware,
 * authentication, error format and encoders — v1 under `/api`, v2 under
 * `/api/v2`, the customer's pages, and the sandboxes of test-mode utilities
 * under `/sandbox/<slug>` — and this composes them. Runtime-neutral: no
 * `listen`, no environment, no Node modules; each runtime's entrypoint hands
 * in an `ApiRuntime`.
 */
import * as Runtime from "./Runtime.ts"
import * as Shared from "./shared/Shared.ts"
import { v1 } from "./v1/app.ts"
import { v2 } from "./v2/app.ts"
import { web } from "./web/app.ts"

type Fetch = (request: Request) => Response | Promise<Response>

export interface AppOptions {
  /** Sub-apps to mount beside the API, e.g. in-process utility sandboxes: `{ "/sandbox/demo": app }`. */
  readonly mounts?: Readonly<Record<string, { fetch: Fetch }>>
  /** Log every request (method, redacted URL, status, time). */
  readonly logRequests?: boolean
}

export interface App {
  readonly app: { readonly fetch: Fetch; readonly request: (input: string | Request, init?: RequestInit) => Response | Promise<Response> }
  /** Writes pending token request counts; call before shutdown. */
  readonly flush: () => Promise<void>
}

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

export const createApp = (runtime: Runtime.ApiRuntime, options: AppOptions = {}): App => {
  const shared = Shared.make(Runtime.make(runtime))
  const surfaces: ReadonlyArray<readonly [string, Fetch]> = [
    ...Object.entries(options.mounts ?? {}).map(([prefix, sub]): readonly [string, Fetch] => [prefix, (request) => {
      const url = new URL(request.url)
      url.pathname = url.pathname.slice(prefix.length) || "/"
      return sub.fetch(new Request(url, request))
    }]),
    ["/api/v2", v2(shared, options).fetch],
    ["/api", v1(shared, options).fetch]
  ]
  const pages = web(shared)
  const fetch: Fetch = (request) => {
    const path = pathOf(request.url)
    for (const [prefix, surface] of surfaces) if (under(path, prefix)) return surface(request)
    return pages.fetch(request)
  }
  return {
    app: {
      fetch,
      request: (input, init) => fetch(input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init))
    },
    flush: shared.counter.flush
  }
}
