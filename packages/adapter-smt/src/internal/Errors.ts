/**
 * How SMT's replies become typed `CollectorError`s. SMT signals trouble four
 * ways: HTTP status (401/403 for our API login, 429, 5xx), `{"error": …}`
 * bodies, `{"data":{"errorCode","errorMessage"}}` bodies on HTTP 200, and,
 * during outages, an HTML maintenance page where JSON should be.
 */
import { CollectorError, RetryAfter } from "@meterbridge/core"

export interface Reply {
  readonly status: number
  readonly retryAfter: string | null
  readonly contentType: string | null
  readonly text: string
}

export type Interpreted =
  | { readonly _tag: "Json"; readonly json: unknown }
  /** SMT answered that it has no energy data for the request: an empty result, not a failure. */
  | { readonly _tag: "NoData"; readonly message: string }
  | { readonly _tag: "Failed"; readonly error: CollectorError.CollectorError }

const looksLikeHtml = (reply: Reply) =>
  (reply.contentType ?? "").includes("text/html") || /^\s*<(!doctype|html|head|body|\?xml)/i.test(reply.text)

const snippet = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat
}

/** The `errorCode`/`errorMessage` pair of an SMT error body, if this body is one. */
export const errorCodeOf = (json: unknown): { code: string; message: string } | undefined => {
  if (typeof json !== "object" || json === null) return undefined
  const holder = "data" in json && typeof json.data === "object" && json.data !== null ? json.data : json
  if (!("errorCode" in holder)) return undefined
  const code = String(holder.errorCode)
  if (code === "0" || code === "") return undefined
  const message = "errorMessage" in holder ? String(holder.errorMessage) : ""
  return { code, message }
}

/**
 * SMT's error codes are not published as a list, so the message decides:
 * "no energy data" is an empty answer, throttling and outages are retryable,
 * a missing or ended agreement means the customer's consent is gone.
 */
export const mapErrorCode = (code: string, message: string, what: string): Interpreted => {
  const text = `Smart Meter Texas error ${code} on ${what}: ${message || "(no message)"}`
  if (/no (energy )?data|no records? found/i.test(message)) return { _tag: "NoData", message: text }
  if (/too many|rate limit|throttl|exceeded the (daily|hourly)? ?(request )?limit/i.test(message)) {
    return { _tag: "Failed", error: CollectorError.rateLimited(text) }
  }
  if (/unavailable|try again|time ?out|maintenance|temporar/i.test(message)) {
    return { _tag: "Failed", error: CollectorError.unavailable(text) }
  }
  if (/agreement|not authori[sz]ed|consent/i.test(message)) {
    return { _tag: "Failed", error: new CollectorError.CollectorError({ reason: "AuthorizationDenied", message: text }) }
  }
  return { _tag: "Failed", error: CollectorError.protocolError(text) }
}

const errorField = (text: string): string | undefined => {
  try {
    const json = JSON.parse(text)
    return typeof json?.error === "string" ? json.error : undefined
  } catch {
    return undefined
  }
}

/** Reads one SMT reply; `what` names the request in messages ("15-minute reads"). */
export const interpret = (reply: Reply, what: string, nowMs: number): Interpreted => {
  const fail = (error: CollectorError.CollectorError): Interpreted => ({ _tag: "Failed", error })
  if (reply.status === 429) {
    return fail(CollectorError.rateLimited(
      `Smart Meter Texas is throttling requests (HTTP 429 on ${what}); retry later`,
      RetryAfter.toMillis(reply.retryAfter, nowMs)
    ))
  }
  if (reply.status >= 500) {
    return fail(CollectorError.unavailable(`Smart Meter Texas is unavailable (HTTP ${reply.status} on ${what}); retry later`))
  }
  if (reply.status === 401 || reply.status === 403) {
    // Our third-party API login, not the customer's: the deployment's SMT settings need fixing.
    const detail = errorField(reply.text) ?? snippet(reply.text)
    return fail(CollectorError.protocolError(
      `Smart Meter Texas refused this deployment's API login (HTTP ${reply.status}: ${detail}); check the SMT username, password and certificate`
    ))
  }
  if (looksLikeHtml(reply)) {
    return fail(CollectorError.unavailable(
      `Smart Meter Texas answered an HTML page instead of JSON (HTTP ${reply.status} on ${what}), as it does during outages; retry later`
    ))
  }
  let json: unknown
  try {
    json = JSON.parse(reply.text)
  } catch {
    return fail(CollectorError.protocolError(
      `Smart Meter Texas answered ${what} with something that is not JSON (HTTP ${reply.status}): ${snippet(reply.text)}`
    ))
  }
  const smtError = errorCodeOf(json)
  if (smtError) return mapErrorCode(smtError.code, smtError.message, what)
  if (reply.status >= 400) {
    const detail = errorField(reply.text) ?? snippet(reply.text)
    return fail(CollectorError.protocolError(`Smart Meter Texas rejected ${what} (HTTP ${reply.status}): ${detail}`))
  }
  return { _tag: "Json", json }
}
