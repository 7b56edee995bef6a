/**
 * Signs a webhook body for both kinds of receiver, and verifies it on the receiving side.
 *
 * - UtilityAPI: `X-UtilityAPI-Webhook-Salt` and `X-UtilityAPI-Webhook-Signature` = lowercase hex SHA-256 (plain hash,
 *   not HMAC) of `<secret>.<salt>.<body>`, where `<secret>` is the secret string exactly as the user sees it.
 * - Standard Webhooks 1.0: `webhook-id`, `webhook-timestamp` (unix seconds of this attempt) and
 *   `webhook-signature` = `v1,` + base64 HMAC-SHA256 over `<id>.<timestamp>.<body>`, keyed with the bytes after `whsec_`.
 *
 * One secret serves both, so a user copies one value whatever their receiver checks. Web Crypto only: this module
 * runs on Node, Bun and Workers alike.
 */
import { Schema } from "effect"

/** `whsec_` + base64 of 24 to 64 random bytes (Standard Webhooks' bounds). */
export const WebhookSecret = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/)),
  Schema.brand("WebhookSecret")
)
export type WebhookSecret = typeof WebhookSecret.Type

export const VerificationErrorReason = Schema.Literals([
  /** A header the scheme needs is absent. */
  "MissingHeader",
  /** `webhook-timestamp` is not a whole number of seconds. */
  "InvalidTimestamp",
  /** `webhook-timestamp` is further from the receiver's clock than the tolerance: a replay, or a skewed clock. */
  "TimestampOutOfTolerance",
  /** No signature in the header matches the body. */
  "SignatureMismatch",
  /** The secret is not a `whsec_` secret. */
  "InvalidSecret"
])
export type VerificationErrorReason = typeof VerificationErrorReason.Type

export class VerificationError extends Schema.TaggedError<VerificationError>()("WebhookVerificationError", {
  reason: VerificationErrorReason,
  message: Schema.String
}) {}

/** The five headers a delivery carries. */
export interface SignedHeaders {
  readonly "X-UtilityAPI-Webhook-Salt": string
  readonly "X-UtilityAPI-Webhook-Signature": string
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
}

/** What a receiver hands to a verifier: a `Headers`, or a plain record (any header-name case). */
export type HeaderSource = Headers | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

export type VerifyResult = { readonly valid: true } | { readonly valid: false; readonly error: VerificationError }

const PREFIX = "whsec_"

const toBase64 = (bytes: Uint8Array): string => {
  let s = ""
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}
const fromBase64 = (s: string): Uint8Array | undefined => {
  try {
    const bin = atob(s)
    const out = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
    return out
  } catch {
    return undefined
  }
}
const toHex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/** The parts as one buffer, for Web Crypto; a Blob joins them without a hand-written copy loop. */
const concat = (...parts: ReadonlyArray<Uint8Array | string>): Promise<ArrayBuffer> =>
  new Blob(parts as Array<Uint8Array<ArrayBuffer> | string>).arrayBuffer()

/** A new secret: `whsec_` + base64 of 32 bytes from the platform's CSPRNG (256 bits, above ASVS 11.5.1's 128). */
export const generateSecret = (): WebhookSecret =>
  (PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)))) as WebhookSecret

/** A fresh per-request salt for the UtilityAPI scheme: 16 random bytes as 32 hex characters. */
export const generateSalt = (): string => toHex(crypto.getRandomValues(new Uint8Array(16)).buffer)

const isSecret = Schema.is(WebhookSecret)

/** The HMAC key: the bytes after `whsec_`; undefined when the text is not such a secret. */
const hmacKey = async (secret: string, usage: "sign" | "verify"): Promise<CryptoKey | undefined> => {
  const raw = isSecret(secret) ? fromBase64(secret.slice(PREFIX.length)) : undefined
  if (!raw) return undefined
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [usage])
}

const standardContent = (id: string, timestamp: number | string, body: Uint8Array | string) =>
  concat(`${id}.${timestamp}.`, body)

/** Lowercase hex SHA-256 of `<secret>.<salt>.<body>` (UtilityAPI's scheme). */
export const utilityApiSignature = async (secret: string, salt: string, body: Uint8Array | string): Promise<string> =>
  toHex(await crypto.subtle.digest("SHA-256", await concat(`${secret}.${salt}.`, body)))

export interface SignInput {
  readonly secret: WebhookSecret
  /** The event batch's id; it stays the same on every retry (the receiver's idempotency key). */
  readonly id: string
  /** Unix seconds of this attempt. */
  readonly timestamp: number
  /** The exact bytes that will be sent. */
  readonly body: Uint8Array | string
  /** The UtilityAPI salt; a fresh random one when omitted. */
  readonly salt?: string
}

/** All five headers for one attempt. Rejects with `VerificationError` ("InvalidSecret") for a malformed secret. */
export const sign = async (input: SignInput): Promise<SignedHeaders> => {
  const key = await hmacKey(input.secret, "sign")
  if (!key) throw new VerificationError({ reason: "InvalidSecret", message: "The secret must be whsec_ + base64" })
  const body = input.body
  const salt = input.salt ?? generateSalt()
  const timestamp = String(Math.floor(input.timestamp))
  const mac = await crypto.subtle.sign("HMAC", key, await standardContent(input.id, timestamp, body))
  return {
    "X-UtilityAPI-Webhook-Salt": salt,
    "X-UtilityAPI-Webhook-Signature": await utilityApiSignature(input.secret, salt, body),
    "webhook-id": input.id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}`
  }
}

const header = (headers: HeaderSource, name: string): string | undefined => {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined
  const wanted = name.toLowerCase()
  for (const [k, v] of Object.entries(headers as Record<string, string | ReadonlyArray<string> | undefined>)) {
    if (k.toLowerCase() === wanted) return typeof v === "string" ? v : v?.join(", ")
  }
  return undefined
}

const fail = (reason: VerificationErrorReason, message: string): VerifyResult => ({
  valid: false,
  error: new VerificationError({ reason, message })
})

/** Compares two strings in time that depends only on their length, not on where they first differ. */
const constantTimeEqual = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

export interface VerifyUtilityApiInput {
  /** The secret string as shown to the user. */
  readonly secret: string
  readonly headers: HeaderSource
  /** The raw request body, exactly as received. */
  readonly body: Uint8Array | string
}

/** Checks `X-UtilityAPI-Webhook-Signature` against the raw body. The scheme carries no timestamp (no replay check). */
export const verifyUtilityApi = async (input: VerifyUtilityApiInput): Promise<VerifyResult> => {
  const salt = header(input.headers, "X-UtilityAPI-Webhook-Salt")
  const signature = header(input.headers, "X-UtilityAPI-Webhook-Signature")
  if (salt === undefined || signature === undefined) {
    return fail("MissingHeader", "X-UtilityAPI-Webhook-Salt and X-UtilityAPI-Webhook-Signature are required")
  }
  const expected = await utilityApiSignature(input.secret, salt, input.body)
  return constantTimeEqual(expected, signature.trim().toLowerCase())
    ? { valid: true }
    : fail("SignatureMismatch", "X-UtilityAPI-Webhook-Signature does not match the body")
}

export interface VerifyStandardInput {
  readonly secret: string
  readonly headers: HeaderSource
  /** The raw request body, exactly as received. */
  readonly body: Uint8Array | string
  /** The receiver's clock, unix seconds (default: now). */
  readonly now?: number
  /** Largest accepted distance between `webhook-timestamp` and `now` (default 300 s, as the reference libraries). */
  readonly toleranceSeconds?: number
}

/**
 * Checks the Standard Webhooks headers: the timestamp within tolerance, then any of the space-separated `v1,`
 * signatures (several appear while a secret is being rotated). The MAC check is Web Crypto's `verify`,
 * which compares in constant time.
 */
export const verifyStandard = async (input: VerifyStandardInput): Promise<VerifyResult> => {
  const id = header(input.headers, "webhook-id")
  const timestamp = header(input.headers, "webhook-timestamp")
  const signatures = header(input.headers, "webhook-signature")
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    return fail("MissingHeader", "webhook-id, webhook-timestamp and webhook-signature are required")
  }
  if (!/^\d{1,15}$/.test(timestamp)) return fail("InvalidTimestamp", "webhook-timestamp must be unix seconds")
  const now = input.now ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? 300)) {
    return fail("TimestampOutOfTolerance", "webhook-timestamp is too far from the current time")
  }
  const key = await hmacKey(input.secret, "verify")
  if (!key) return fail("InvalidSecret", "The secret must be whsec_ + base64")
  const content = await standardContent(id, timestamp, input.body)
  for (const candidate of signatures.split(" ")) {
    const [version, value] = candidate.split(",", 2)
    const mac = version === "v1" && value !== undefined ? fromBase64(value) : undefined
    if (mac && await crypto.subtle.verify("HMAC", key, mac as Uint8Array<ArrayBuffer>, content)) return { valid: true }
  }
  return fail("SignatureMismatch", "No webhook-signature matches the body")
}
