/**
 * Response format: a `.json`/`.csv` suffix on the path wins, then the
 * `Accept` header; JSON by default. The router never sees the suffix
 * (`routedPath` is the app's `getPath`; it notes the suffix on the request
 * for `format`, so the path is read once per request).
 */
import type { MiddlewareHandler } from "hono"
import { getPath } from "hono/utils/url"
import { HttpError } from "../shared/HttpError.ts"
import type { AppEnv } from "./AppEnv.ts"

export type Format = "json" | "csv"

const SUFFIX = /\.([A-Za-z0-9]+)$/

const SUFFIX_OF: unique symbol = Symbol("meterbridge.formatSuffix")
type Noted = Request & { [SUFFIX_OF]?: string | null }

/**
 * The path the router matches: `/api/accounts/add.json` → `/api/accounts/add` (only under `/api/`), noting the
 * suffix (lower case, or null) on the request.
 */
export const routedPath = (request: Request): string => {
  const path = getPath(request)
  const suffix = path.startsWith("/api/") ? SUFFIX.exec(path) : null
  ;(request as Noted)[SUFFIX_OF] = suffix === null ? null : suffix[1]!.toLowerCase()
  return suffix === null ? path : path.slice(0, suffix.index)
}

const suffixOf = (request: Request): string | undefined => {
  const noted = (request as Noted)[SUFFIX_OF]
  if (noted !== undefined) return noted ?? undefined
  return SUFFIX.exec(getPath(request))?.[1]?.toLowerCase()
}

const fromAccept = (accept: string | undefined): Format | undefined => {
  if (!accept) return "json"
  let best: { format: Format; q: number } | undefined
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";")
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="))
    const q = qParam ? Number(qParam.slice(2)) : 1
    if (!(q > 0)) continue
    const format: Format | undefined = type === "application/json" || type === "application/*" || type === "*/*"
      ? "json"
      : type === "text/csv" || type === "text/*"
      ? "csv"
      : undefined
    if (format && (!best || q > best.q)) best = { format, q }
  }
  return best?.format
}

export const format = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const suffix = suffixOf(c.req.raw)
  let chosen: Format | undefined
  if (suffix !== undefined) {
    if (suffix !== "json" && suffix !== "csv") {
      throw new HttpError(406, "not_acceptable", `Unsupported format ".${suffix}": append .json or .csv, or send Accept: application/json or text/csv.`)
    }
    chosen = suffix
  } else {
    chosen = fromAccept(c.req.header("accept"))
    if (!chosen) {
      throw new HttpError(406, "not_acceptable", "This API answers application/json or text/csv: append .json or .csv, or send a matching Accept header.")
    }
  }
  c.set("format", chosen)
  await next()
}
