/**
 * A `fetch` for Node that can only reach the addresses `AddressPolicy` allows, checked at connect time.
 *
 * Checking a URL's name and then letting `fetch` resolve it again leaves a window for DNS rebinding: the name answers
 * a public address to the check and 127.0.0.1 to the connect. Here the check sits inside the socket's own `lookup`:
 * the name is resolved once, every address it resolves to is checked, and the socket connects to exactly the checked
 * addresses. IP-literal hosts never reach `lookup`, so the connector checks those itself; that also covers any
 * redirect a caller chooses to follow. Built on undici's `Agent` (the engine of Node's own `fetch`).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns"
import type { LookupFunction } from "node:net"
import { Agent, buildConnector, fetch as undiciFetch } from "undici"
import { checkAddress, checkUrl, TargetRefused, type Policy } from "../AddressPolicy.ts"

/** `dns.lookup(hostname, { all: true })`'s shape; tests inject one to play a rebinding resolver. */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<LookupAddress>>

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => err ? reject(err) : resolve(addresses))
  )

export interface GuardedFetchOptions extends Policy {
  /** How names are resolved (default: the system resolver, as `dns.lookup`). */
  readonly resolve?: Resolver
  /** TCP + TLS connect timeout, ms (default 10 s). */
  readonly connectTimeoutMs?: number
}

/** The socket `lookup`: resolve once, refuse if any address is not allowed, hand the checked addresses to the socket. */
const guardedLookup = (policy: Policy, resolve: Resolver): LookupFunction => (hostname, options, callback) => {
  resolve(hostname).then(
    (addresses) => {
      const wanted = options.family === 4 || options.family === 6
        ? addresses.filter((a) => a.family === options.family)
        : addresses
      if (wanted.length === 0) {
        const err = Object.assign(new Error(`${hostname} has no usable address`), { code: "ENOTFOUND" })
        return callback(err, "", 0)
      }
      // Every address, not just the first: with Happy Eyeballs the socket may try any of them.
      for (const a of wanted) {
        const refused = checkAddress(a.address, policy, hostname)
        if (refused) return callback(refused as unknown as NodeJS.ErrnoException, "", 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: ReadonlyArray<LookupAddress>) => void)(null, wanted)
      callback(null, wanted[0]!.address, wanted[0]!.family)
    },
    (err: NodeJS.ErrnoException) => callback(err, "", 0)
  )
}

/** An undici `Agent` whose every connection is checked against the policy. */
export const guardedAgent = (options: GuardedFetchOptions): Agent => {
  const policy: Policy = { allowPrivate: options.allowPrivate }
  const connect = buildConnector({
    lookup: guardedLookup(policy, options.resolve ?? systemResolver),
    timeout: options.connectTimeoutMs ?? 10_000
  })
  return new Agent({
    connect: (opts, callback) => {
      // undici passes IPv6 literals without brackets; a literal host skips `lookup`, so it is checked here.
      const refused = checkUrl(`${opts.protocol}//${opts.hostname.includes(":") ? `[${opts.hostname}]` : opts.hostname}/`, policy)
      if (refused instanceof TargetRefused) return callback(refused, null)
      connect(opts, callback)
    }
  })
}

/**
 * A `fetch` that refuses non-public targets unless `allowPrivate`. The URL itself is checked first (scheme,
 * userinfo, IP literal, `localhost`) so those refusals never touch the network; names are checked on resolution.
 * A refusal rejects like any network error, with the `TargetRefused` as its `cause`; `deliver` reports it as
 * `TargetRefused`.
 */
export const guardedFetch = (options: GuardedFetchOptions): typeof globalThis.fetch => {
  const dispatcher = guardedAgent(options)
  const policy: Policy = { allowPrivate: options.allowPrivate }
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input
    const checked = checkUrl(url, policy)
    if (checked instanceof TargetRefused) throw new TypeError("fetch failed", { cause: checked })
    return undiciFetch(input as never, { ...(init as object), dispatcher } as never)
  }) as unknown as typeof globalThis.fetch
}
