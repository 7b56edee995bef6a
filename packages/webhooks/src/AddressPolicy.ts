/**
 * Which webhook targets may be reached (SSRF, OWASP API7): a customer-supplied URL must not make the server call
 * its own loopback, the cloud metadata service (169.254.169.254) or the operator's private network.
 *
 * Host text is first normalised by the WHATWG URL parser, which already turns `2130706433`, `0x7f.1`, `0177.0.0.1`
 * and `127.1` into `127.0.0.1` and compresses IPv6 (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`). The address is then
 * classified by ipaddr.js (a small, runtime-neutral library whose range tables track the IANA special-purpose
 * registries) and only globally routable unicast passes. Names are checked here only for `localhost`; the Node
 * fetch in `./node` checks every address a name resolves to, at connect time.
 */
import ipaddr from "ipaddr.js"
import { Schema } from "effect"

export const RefusalReason = Schema.Literals([
  /** Not an absolute http(s) URL. */
  "InvalidUrl",
  /** A scheme other than http and https. */
  "UnsupportedScheme",
  /** `user:password@` in the URL: credentials would leak into logs and delivery records. */
  "Userinfo",
  /** The host is, or resolves to, a non-public address. */
  "PrivateAddress"
])
export type RefusalReason = typeof RefusalReason.Type

export class TargetRefused extends Schema.TaggedError<TargetRefused>()("WebhookTargetRefused", {
  reason: RefusalReason,
  /** The host as the URL names it. */
  host: Schema.optionalKey(Schema.String),
  /** The address that was refused, for names resolved by the Node fetch. */
  address: Schema.optionalKey(Schema.String),
  /** The IANA range the address falls in (`loopback`, `private`, `linkLocal`, `uniqueLocal`, …). */
  range: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

export interface Policy {
  /** Let private, loopback and link-local targets through (a receiver on the same box, tests). */
  readonly allowPrivate: boolean
}

/**
 * The operator's setting: `METERBRIDGE_WEBHOOK_ALLOW_PRIVATE=1` allows, `=0` refuses; unset, it follows test mode
 * (allowed in test mode only, where receivers usually run on loopback).
 */
export const policyFromEnv = (env: Readonly<Record<string, string | undefined>>, testMode: boolean): Policy => {
  const v = env["METERBRIDGE_WEBHOOK_ALLOW_PRIVATE"]
  return { allowPrivate: v === undefined || v === "" ? testMode : v === "1" || v.toLowerCase() === "true" }
}

export interface Classification {
  /** The address in canonical text (an IPv4-mapped IPv6 address as its IPv4). */
  readonly address: string
  readonly family: 4 | 6
  /** The ipaddr.js range name; only `unicast` is public. */
  readonly range: string
  readonly isPublic: boolean
}

/** Classifies an IP address literal (no brackets); undefined when the text is not one. */
export const classify = (text: string): Classification | undefined => {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text
  // ipaddr.js also accepts the legacy IPv4 forms; only canonical text reaches it from URLs and resolvers anyway.
  if (!ipaddr.isValid(bare)) return undefined
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address on a dual-stack socket.
  const addr = ipaddr.process(bare)
  let range: string = addr.range()
  // The deprecated IPv4-compatible block ::/96 carries an IPv4 address too; ipaddr.js calls it unicast.
  if (addr.kind() === "ipv6" && range === "unicast" && (addr as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) {
    range = "ipv4Compatible"
  }
  return { address: addr.toString(), family: addr.kind() === "ipv4" ? 4 : 6, range, isPublic: range === "unicast" }
}

/** Checks one resolved or literal address; the refusal when the policy forbids it. */
export const checkAddress = (address: string, policy: Policy, host?: string): TargetRefused | undefined => {
  const c = classify(address)
  if (!c) return new TargetRefused({ reason: "InvalidUrl", address, message: `${address} is not an IP address` })
  if (c.isPublic || policy.allowPrivate) return undefined
  return new TargetRefused({
    reason: "PrivateAddress",
    ...(host === undefined ? {} : { host }),
    address: c.address,
    range: c.range,
    message: `${host !== undefined && host !== c.address ? `${host} resolves to ` : ""}${c.address}, a ${c.range} address; ` +
      "webhook targets must be public (set METERBRIDGE_WEBHOOK_ALLOW_PRIVATE=1 to allow it)"
  })
}

/** A target that passed: the parsed URL, and its host as an IP literal or a name still to be resolved. */
export interface Target {
  readonly url: URL
  /** The host without brackets or a trailing dot. */
  readonly host: string
  /** Set when the host is an IP literal (already checked); unset for a name, which must be checked once resolved. */
  readonly address?: string
}

/**
 * Checks a webhook URL before any connection: http(s) only, no userinfo, and an IP-literal host must be public
 * (unless allowed). `localhost` and `*.localhost` are loopback by definition (RFC 6761) and refused without DNS.
 * Use it when an endpoint is registered (to answer 400 at once) and before each delivery.
 */
export const checkUrl = (url: string | URL, policy: Policy): Target | TargetRefused => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return new TargetRefused({ reason: "InvalidUrl", message: "The webhook URL is not an absolute URL" })
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return new TargetRefused({ reason: "UnsupportedScheme", message: `Webhook URLs must be http or https, not ${u.protocol}` })
  }
  if (u.username !== "" || u.password !== "") {
    return new TargetRefused({ reason: "Userinfo", message: "Webhook URLs must not carry a user name or password" })
  }
  const host = u.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "")
  if (classify(host)) {
    const refused = checkAddress(host, policy, host)
    return refused ?? { url: u, host, address: host }
  }
  if (!policy.allowPrivate && (host === "localhost" || host.endsWith(".localhost"))) {
    return new TargetRefused({
      reason: "PrivateAddress",
      host,
      range: "loopback",
      message: `${host} is a loopback name; webhook targets must be public (set METERBRIDGE_WEBHOOK_ALLOW_PRIVATE=1 to allow it)`
    })
  }
  return { url: u, host }
}
