/**
 * The reference's "Not implemented" / "Not used" endpoints: 405 with the
 * endpoint to use instead, for every method the route does not serve.
 */
import type { Context, Hono } from "hono"
import { methodNotAllowed } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"

/** Registers `message` as the answer to every method on `path` except those in `allow`. */
export const only = (app: Hono<AppEnv>, path: string, allow: ReadonlyArray<"GET" | "POST">, message: string) => {
  const allowHeader = [...allow, ...(allow.includes("GET") ? ["HEAD"] : [])].join(", ")
  app.on(["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => !allow.includes(m as "GET")), path, (_c: Context) => {
    throw methodNotAllowed(message, allowHeader)
  })
}
