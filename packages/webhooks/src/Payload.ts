/**
 * The body of one webhook request, serialised exactly once.
 *
 * UtilityAPI hashes the body as Python's `json.dumps(obj, indent=4)` prints it (ASCII-escaped, 4-space indent,
 * `": "` after keys, no trailing spaces), and some receivers (EDDIE) re-print the JSON that way before hashing while
 * others hash the raw bytes. Sending exactly the bytes in that form, and signing exactly those bytes, satisfies both.
 */
import { Schema } from "effect"

/** A JSON value as the payload accepts it. Object key order is kept as JavaScript iterates it. */
export type Json = string | number | bigint | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json }

export class PayloadError extends Schema.TaggedError<PayloadError>()("PayloadError", {
  message: Schema.String
}) {}

/** A serialised body: the bytes to sign and send, and the same text for logs. */
export interface Payload {
  readonly text: string
  readonly bytes: Uint8Array
}

const INDENT = "    "

/** Python's `ensure_ascii` escaping: `"` and `\`, the short escapes, then every code unit outside space..`~` as `\uxxxx`. */
const quote = (s: string): string => {
  let out = "\""
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) {
      out += s[i]
      continue
    }
    switch (c) {
      case 0x22: out += "\\\""; break
      case 0x5c: out += "\\\\"; break
      case 0x0a: out += "\\n"; break
      case 0x0d: out += "\\r"; break
      case 0x09: out += "\\t"; break
      case 0x08: out += "\\b"; break
      case 0x0c: out += "\\f"; break
      // JavaScript strings are UTF-16, so astral characters already arrive as the surrogate pair Python writes.
      default: out += "\\u" + c.toString(16).padStart(4, "0")
    }
  }
  return out + "\""
}

/**
 * A number as Python prints it. Safe integers print as Python ints. Anything else prints as Python's `repr(float)`:
 * the same shortest round-trip digits as JavaScript, but scientific below 1e-4 and from 1e16 up, with a signed
 * exponent of at least two digits (`1e-07`, `1e+300`), and `.0` on integral values (`9007199254740994.0`).
 * An integer beyond 2^53 has already lost precision as a JavaScript number, so it was a float; pass a `bigint`
 * for an exact large integer.
 */
const number = (n: number): string => {
  if (!Number.isFinite(n)) throw new PayloadError({ message: `${n} is not valid JSON` })
  if (Number.isSafeInteger(n)) return String(n)
  const [mantissa, exp] = n.toExponential().split("e") as [string, string]
  const e = Number(exp)
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`
  return Number.isInteger(n) ? `${n}.0` : String(n)
}

const write = (value: unknown, depth: number, seen: Set<object>): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "string": return quote(value)
    case "number": return number(value)
    case "bigint": return value.toString()
    case "boolean": return value ? "true" : "false"
    case "object": break
    default: throw new PayloadError({ message: `A ${typeof value} cannot be serialised as JSON` })
  }
  const obj = value as object
  if ("toJSON" in obj && typeof obj.toJSON === "function") return write(obj.toJSON(), depth, seen)
  if (seen.has(obj)) throw new PayloadError({ message: "The payload contains a cycle" })
  seen.add(obj)
  const inner = "\n" + INDENT.repeat(depth + 1)
  const outer = "\n" + INDENT.repeat(depth)
  let out: string
  if (Array.isArray(obj)) {
    out = obj.length === 0 ? "[]" : "[" + inner + obj.map((v) => write(v, depth + 1, seen)).join("," + inner) + outer + "]"
  } else {
    // Like JSON.stringify, keys whose value is undefined are left out (Python has no such value to print).
    const entries = Object.entries(obj).filter(([, v]) => v !== undefined)
    out = entries.length === 0
      ? "{}"
      : "{" + inner + entries.map(([k, v]) => quote(k) + ": " + write(v, depth + 1, seen)).join("," + inner) + outer + "}"
  }
  seen.delete(obj)
  return out
}

/**
 * Prints a JSON value as Python's `json.dumps(value, indent=4)` does (default `ensure_ascii=True`).
 * Throws `PayloadError` for values JSON cannot carry (NaN, Infinity, functions, cycles).
 */
export const pythonJson = (value: Json): string => write(value, 0, new Set())

const encoder = new TextEncoder()

/**
 * The webhook body `{"events": [...], "next": null}`, serialised once. Sign `bytes` and send `bytes`: never
 * re-serialise, or the signature no longer matches what the receiver hashes.
 * Throws `PayloadError` when an event holds a value JSON cannot carry.
 */
export const make = (events: ReadonlyArray<Json>, next: string | null = null): Payload => {
  const text = pythonJson({ events, next })
  // The text is pure ASCII, so its UTF-8 bytes are its characters one for one.
  return { text, bytes: encoder.encode(text) }
}
