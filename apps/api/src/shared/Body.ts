/**
 * POST bodies: JSON objects or HTML forms (urlencoded or multipart), read into
 * one plain record. Unknown fields are ignored by every handler, and no
 * handler reads uid, user_uid or created from a body.
 */
import type { Context } from "hono"
import { Timestamp } from "@meterbridge/core"
import { HttpError, badRequest, invalidField, missingField } from "./HttpError.ts"

export type Body = Readonly<Record<string, unknown>>

const MAX_BYTES = 20 * 1024 * 1024

export const read = async (c: Context): Promise<Body> => {
  const length = Number(c.req.header("content-length") ?? "0")
  if (length > MAX_BYTES) throw new HttpError(413, "body_too_large", `Request bodies are limited to ${MAX_BYTES} bytes.`)
  const type = (c.req.header("content-type") ?? "").toLowerCase()
  if (type.startsWith("application/json")) {
    let parsed: unknown
    try {
      parsed = await c.req.json()
    } catch {
      throw badRequest("invalid_json", "The request body is not valid JSON.")
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("invalid_json", "The request body must be a JSON object.")
    }
    return parsed as Body
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    const form = await c.req.parseBody()
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(form)) out[k] = typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined
    return out
  }
  const text = await c.req.text()
  if (text.trim() === "") return {}
  throw new HttpError(415, "unsupported_media_type", "Send the body as application/json or application/x-www-form-urlencoded.")
}

export const optionalString = (body: Body, field: string): string | undefined => {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v === "number") return String(v)
  if (typeof v !== "string") throw invalidField(field, `"${field}" must be a string.`)
  return v
}

export const requiredString = (body: Body, field: string, message?: string): string => {
  const v = optionalString(body, field)
  if (v === undefined || v.trim() === "") throw missingField(field, message)
  return v
}

/** true/false as JSON booleans or the strings "true"/"false" (forms). */
export const optionalBoolean = (body: Body, field: string): boolean | undefined => {
  const v = body[field]
  if (v === undefined || v === null || v === "") return undefined
  if (v === true || v === "true") return true
  if (v === false || v === "false") return false
  throw invalidField(field, `"${field}" must be true or false.`)
}

export const TIMESTAMP_HELP =
  "use ISO 8601 with a \"T\" separator and a zone, e.g. 2014-01-01T01:01:01.123456+00:00 or 2014-01-01T01:01:01Z"

/**
 * An unencoded `+` in a query string or form body arrives as a space: put it
 * back when it stands where a zone offset goes (`…T01:01:01 00:00`).
 */
export const restorePlus = (value: string): string => value.trim().replace(/(T\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{2}:?\d{2})$/, "$1+$2")

export const optionalTimestamp = (body: Body, field: string): Timestamp.Micros | undefined => {
  const v = optionalString(body, field)
  if (v === undefined) return undefined
  const t = Timestamp.parse(restorePlus(v))
  if (t === undefined) throw invalidField(field, `Invalid timestamp for "${field}": "${v}". ${TIMESTAMP_HELP[0]!.toUpperCase()}${TIMESTAMP_HELP.slice(1)}.`)
  return t
}
