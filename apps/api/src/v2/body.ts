/**
 * v2 request bodies and query parameters. UtilityAPI's clients send JSON
 * bodies without a JSON content type (the `utility-api` Python package posts
 * `{"meters": [...]}` that way, and curl's `-d` calls every body a form), so
 * a body is JSON unless it is a form that does not open with `{`; query lists
 * are comma-separated.
 */
import type { Context } from "hono"
import { Timestamp } from "@meterbridge/core"
import { restorePlus } from "../shared/Body.ts"
import { readText } from "../shared/boundedBody.ts"
import { invalidParam, requiredParam } from "./errors.ts"

export type Json = Readonly<Record<string, unknown>>

const MAX_BYTES = 1024 * 1024

export const read = async (c: Context): Promise<Json> => {
  const text = await readText(c.req.raw, MAX_BYTES)
  const type = (c.req.header("content-type") ?? "").toLowerCase()
  // curl -d labels any body a form: a body that opens with "{" is JSON whatever its label says.
  if (type.startsWith("application/x-www-form-urlencoded") && !text.trimStart().startsWith("{")) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  if (text.trim() === "") return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw invalidParam("body", "The request body is not valid JSON.")
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidParam("body", "The request body must be a JSON object.")
  }
  return parsed as Json
}

export const optionalString = (body: Json, field: string, max = 1000): string | undefined => {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== "string") throw invalidParam(field, `"${field}" must be a string.`)
  if (v.length > max) throw invalidParam(field, `"${field}" can be at most ${max} characters.`)
  return v
}

export const requiredString = (body: Json, field: string, max = 1000): string => {
  const v = optionalString(body, field, max)
  if (v === undefined || v.trim() === "") throw requiredParam(field)
  return v
}

export const optionalBoolean = (body: Json, field: string): boolean | undefined => {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (v === true || v === "true") return true
  if (v === false || v === "false") return false
  throw invalidParam(field, `"${field}" must be true or false.`)
}

/** A list of uids: a JSON array of strings (or numbers: UtilityAPI says uids may look like integers), or a comma-separated string. */
export const uidList = (value: unknown, field: string, max = 1000): ReadonlyArray<string> => {
  const items = typeof value === "string"
    ? value.split(",")
    : Array.isArray(value)
    ? value.map((v) => (typeof v === "number" ? String(v) : v))
    : undefined
  if (items === undefined || !items.every((v): v is string => typeof v === "string")) {
    throw invalidParam(field, `"${field}" must be a list of uids.`)
  }
  const uids = [...new Set(items.map((s) => s.trim()).filter((s) => s !== ""))]
  if (uids.length > max) throw invalidParam(field, `"${field}" can list at most ${max} uids.`)
  return uids
}

/** Query parameter as a comma-separated list, or undefined when absent. */
export const queryList = (c: Context, name: string): ReadonlyArray<string> | undefined => {
  const v = c.req.query(name)
  return v === undefined ? undefined : uidList(v, name)
}

export const queryBoolean = (c: Context, name: string): boolean | undefined => {
  const v = c.req.query(name)
  if (v === undefined || v === "") return undefined
  if (v === "true" || v === "1") return true
  if (v === "false" || v === "0") return false
  throw invalidParam(name, `"${name}" must be true or false.`)
}

export const queryTime = (c: Context, name: string): Timestamp.Micros | undefined => {
  const v = c.req.query(name)
  if (v === undefined || v === "") return undefined
  const t = Timestamp.parseDateOrTimestamp(restorePlus(v))
  if (t === undefined) throw invalidParam(name, `"${name}" must be an ISO 8601 timestamp or a date YYYY-MM-DD.`)
  return t
}

export const MAX_PAGE = 1000

export const queryLimit = (c: Context): number => {
  const v = c.req.query("limit")
  if (v === undefined || v === "") return MAX_PAGE
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalidParam("limit", `"limit" must be a whole number from 1 to ${MAX_PAGE}.`)
  return n
}

export const invalid = invalidParam
