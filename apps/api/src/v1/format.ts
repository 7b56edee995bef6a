/**
 * Response format: a `.json`/`.csv` suffix on the path wins, then the
 * `Accept` header; JSON by default. The router never sees the suffix
 * (`stripFormatSuffix` is the app's `getPath`).
 */
import type { MiddlewareHandler } from "hono"
import { getPath } from "hono/utils/url"
import { HttpError } from "../shared/HttpError.ts"
import type { AppEnv } from "./AppEnv.ts"

export type Format = "json" | "csv"

const SUFFIX = /\.([A-Za-z0-9]+)$/

/** `/api/accounts/add.json` → `/api/accounts/add`; only under `/api/`. */
export const stripFormatSuffix = (path: string): string =>
  path.startsWith("/api/") ? path.replace(SUFFIX, "") : path

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
  const path = getPath(c.req.raw)
  const suffix = SUFFIX.exec(path)?.[1]?.toLowerCase()
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
