/**
 * POST bodies: JSON objects or HTML forms (urlencoded or multipart), read into
 * one plain record. Unknown fields are ignored by every handler, and no
 * handler reads uid, user_uid or created from a body.
 */
import type { Context } from "hono"
import { Timestamp } from "@meterbridge/core"
import { readBytes } from "./boundedBody.ts"
import { HttpError, badRequest, invalidField, missingField } from "./HttpError.ts"

export type Body = Readonly<Record<string, unknown>>

const MAX_BYTES = 1024 * 1024

const notAForm = () => badRequest("invalid_form", "The request body is not a well-formed form (check the multipart boundary and that every part is terminated).")

/**
 * One plain record from a form: the first value of each field. Multipart goes
 * through the platform's parser (the Fetch standard's `formData()`), over
 * bytes already read within the limit; anything it refuses is a 400.
 */
const readForm = async (bytes: Uint8Array, type: string): Promise<Body> => {
  if (type.startsWith("multipart/form-data")) {
    const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(type)
    if (!boundary) throw notAForm()
    let form: FormData
    try {
      form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": type } }).formData()
    } catch {
      throw notAForm()
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of form) if (!(k in out)) out[k] = typeof v === "string" ? v : undefined
    return out
  }
  const text = decode(bytes)
  const out: Record<string, unknown> = {}
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v
  return out
}

const decode = (bytes: Uint8Array): string => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    throw badRequest("invalid_encoding", "The request body is not valid UTF-8.")
  }
}

export const read = async (c: Context): Promise<Body> => {
  const bytes = await readBytes(c.req.raw, MAX_BYTES)
  const type = (c.req.header("content-type") ?? "").toLowerCase()
  if (type.startsWith("application/json")) {
    let parsed: unknown
    try {
      parsed = JSON.parse(decode(bytes))
    } catch {
      throw badRequest("invalid_json", "The request body is not valid JSON.")
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("invalid_json", "The request body must be a JSON object.")
    }
    return parsed as Body
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    return readForm(bytes, (c.req.header("content-type") ?? "").trim())
  }
  if (decode(bytes).trim() === "") return {}
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
