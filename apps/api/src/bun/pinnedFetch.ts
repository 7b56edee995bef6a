/**
 * Webhook deliveries on Bun, checked at connect time as Node's `guardedFetch`
 * is. Bun's `fetch` takes no undici dispatcher, so the socket's own lookup
 * cannot be hooked; instead the name is resolved here, once, every address it
 * resolves to is checked against the AddressPolicy, and the request goes to
 * the first checked address itself — with the name kept as `Host` and, for
 * https, as the TLS server name (Bun's `tls.serverName`: SNI, and the
 * certificate is verified against the name, not the address). A resolver
 * that answers a public address to a check and 127.0.0.1 to the connect
 * (DNS rebinding) has no second question to answer. Unlike Node's socket
 * lookup there is no fallback to the name's other addresses.
 */
import { lookup } from "node:dns/promises"
import { AddressPolicy } from "@meterbridge/webhooks"

/** Every address of a name, as `dns.lookup(name, { all: true })` gives them; tests inject one. */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true })

/** Rejects as a network error does, with the cause `deliver` looks for (a TargetRefused, or the resolver's error). */
const failed = (cause: unknown) => new TypeError("fetch failed", { cause })

export const pinnedFetch = (policy: AddressPolicy.Policy, resolve: Resolver = systemResolver, base: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input)
    const target = AddressPolicy.checkUrl(url, policy)
    if (target instanceof AddressPolicy.TargetRefused) throw failed(target)
    // An IP literal was checked with the URL: nothing is resolved, so nothing can rebind.
    if (target.address !== undefined) return base(input, init)
    let addresses: ReadonlyArray<{ readonly address: string; readonly family: number }>
    try {
      addresses = await resolve(target.host)
    } catch (e) {
      throw failed(e)
    }
    if (addresses.length === 0) throw failed(Object.assign(new Error(`${target.host} has no address`), { code: "ENOTFOUND" }))
    // Every address, not only the one used: a name that lists a private one is not a public target.
    for (const a of addresses) {
      const refused = AddressPolicy.checkAddress(a.address, policy, target.host)
      if (refused) throw failed(refused)
    }
    const pinned = new URL(target.url)
    pinned.hostname = addresses[0]!.family === 6 ? `[${addresses[0]!.address}]` : addresses[0]!.address
    // A Request's body is read whole (a webhook is small), so the pinned request keeps a Content-Length.
    const given: RequestInit = input instanceof Request
      ? {
        method: input.method,
        headers: input.headers,
        redirect: input.redirect,
        signal: input.signal,
        ...(input.body === null ? {} : { body: await input.arrayBuffer() }),
        ...init
      }
      : init ?? {}
    const headers = new Headers(given.headers)
    headers.set("host", target.url.host)
    // Redirects are not followed (as `deliver` asks anyway): the next hop's name would be resolved by fetch, unchecked.
    const pinnedInit = { ...given, headers, redirect: "manual", ...(target.url.protocol === "https:" ? { tls: { serverName: target.host } } : {}) }
    return base(pinned, pinnedInit as RequestInit)
  }) as typeof globalThis.fetch
