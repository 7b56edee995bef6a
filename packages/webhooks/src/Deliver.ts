/**
 * One delivery attempt: POST the signed bytes, read a bounded slice of the reply, report what happened.
 *
 * It never throws and never follows a redirect (a 3xx is a failure: following it would let a public endpoint bounce
 * the request to a private one). The timeout covers the whole exchange, reply included, so a receiver that trickles
 * its reply cannot hold a worker. Which addresses may be reached is the `fetch`'s business: pass the guarded fetch
 * from `@meterbridge/webhooks/node` on Node.
 */
import { RetryAfter } from "@meterbridge/core"
import { Schema } from "effect"
import { TargetRefused } from "./AddressPolicy.ts"

export const DeliveryErrorReason = Schema.Literals([
  /** No reply (headers and the bounded body read) within `timeoutMs`. */
  "Timeout",
  /** The receiver answered 3xx; redirects are not followed. */
  "Redirect",
  /** The receiver answered, but not 2xx. */
  "HttpStatus",
  /** The target is not allowed (see `AddressPolicy`). */
  "TargetRefused",
  /** DNS failure, connection refused or reset, TLS error. */
  "Network"
])
export type DeliveryErrorReason = typeof DeliveryErrorReason.Type

export class DeliveryError extends Schema.TaggedError<DeliveryError>()("WebhookDeliveryError", {
  reason: DeliveryErrorReason,
  message: Schema.String
}) {}

export interface DeliveryOutcome {
  /** Only a 2xx reply counts. */
  readonly delivered: boolean
  readonly status?: number
  /** From sending until the reply was read (or the attempt failed). */
  readonly latencyMs: number
  /** The first `maxReplyBytes` of the reply, decoded as UTF-8 (for the delivery log). */
  readonly replyPreview: string
  /** The reply's `Retry-After` in ms (429 and 503 replies), for `RetrySchedule.next`. */
  readonly retryAfterMs?: number
  readonly error?: DeliveryError
}

export interface DeliverInput {
  readonly url: string | URL
  /** The exact bytes that were signed. */
  readonly body: Uint8Array
  /** The signed headers (`Signature.sign`); `Content-Type` is added. */
  readonly headers: Readonly<Record<string, string>>
  /** Who makes the request: the guarded fetch from `./node` on Node, the platform's elsewhere. */
  readonly fetch: typeof globalThis.fetch
  /** Default 15 s, the low end of Standard Webhooks' 15–30 s. */
  readonly timeoutMs?: number
  /** How much of the reply to keep (default 1 KiB); the rest is never read. */
  readonly maxReplyBytes?: number
  /** A millisecond clock for `latencyMs` (default `performance.now`). */
  readonly clock?: () => number
  /** The wall clock, epoch ms, a `Retry-After` date is counted from (default `Date.now`; the Dispatcher's is Effect's Clock). */
  readonly now?: () => number
}

export const USER_AGENT = "Meterbridge-Webhooks/1"

/** Reads at most `max` bytes of the body, then cancels the stream so the rest is never downloaded. */
const readBounded = async (response: Response, max: number): Promise<Uint8Array> => {
  if (!response.body) return new Uint8Array(0)
  const reader = response.body.getReader()
  const out = new Uint8Array(max)
  let got = 0
  try {
    while (got < max) {
      const { done, value } = await reader.read()
      if (done) return out.subarray(0, got)
      const take = Math.min(value.length, max - got)
      out.set(value.subarray(0, take), got)
      got += take
    }
    return out
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

/** Finds our refusal inside a fetch rejection (undici wraps connect errors as `TypeError: fetch failed` + cause). */
const refusalIn = (error: unknown): TargetRefused | undefined => {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof TargetRefused) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

const describe = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause
  const base = error instanceof Error ? error.message : String(error)
  return cause?.code ? `${base} (${cause.code})` : cause?.message ? `${base}: ${cause.message}` : base
}

const decoder = new TextDecoder()

export const deliver = async (input: DeliverInput): Promise<DeliveryOutcome> => {
  const clock = input.clock ?? (() => performance.now())
  const timeoutMs = input.timeoutMs ?? 15_000
  const started = clock()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const latencyMs = () => Math.max(0, clock() - started)
  const failed = (reason: DeliveryErrorReason, message: string, status?: number, preview = ""): DeliveryOutcome => ({
    delivered: false,
    ...(status === undefined ? {} : { status }),
    latencyMs: latencyMs(),
    replyPreview: preview,
    error: new DeliveryError({ reason, message })
  })
  try {
    const response = await input.fetch(input.url, {
      method: "POST",
      body: input.body as Uint8Array<ArrayBuffer>,
      headers: { "Content-Type": "application/json", "User-Agent": USER_AGENT, ...input.headers },
      redirect: "manual",
      signal: controller.signal
    })
    const preview = decoder.decode(await readBounded(response, input.maxReplyBytes ?? 1024))
    const status = response.status
    // Browsers and Workers report a manual redirect as an opaque response with status 0.
    if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
      return failed("Redirect", `The receiver redirected (${status}); redirects are not followed`, status, preview)
    }
    if (status < 200 || status >= 300) {
      const after = RetryAfter.toMillis(response.headers.get("retry-after"), (input.now ?? Date.now)())
      return {
        ...failed("HttpStatus", `The receiver answered ${status}`, status, preview),
        ...(after === undefined ? {} : { retryAfterMs: after })
      }
    }
    return { delivered: true, status, latencyMs: latencyMs(), replyPreview: preview }
  } catch (error) {
    if (controller.signal.aborted) return failed("Timeout", `No complete reply within ${timeoutMs} ms`)
    const refused = refusalIn(error)
    if (refused) return failed("TargetRefused", refused.message)
    return failed("Network", describe(error))
  } finally {
    clearTimeout(timer)
  }
}
