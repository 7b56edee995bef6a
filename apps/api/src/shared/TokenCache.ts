/**
 * Recently seen API tokens, kept for about a second. Integrations send
 * bursts from one token, and the token lookup is the one query every request
 * pays, so this halves the database work of a small GET. Expiry is still
 * checked on every request; a token expired by another process (the CLI,
 * another box) stops working within `ttlMs`, and one expired through this
 * server's API stops at once.
 */
import type { Store } from "@meterbridge/core"

export interface TokenCache {
  readonly get: (secretHash: string, nowMs: number) => Store.TokenRecord | undefined
  /**
   * Whether this hash belonged to a valid token when last looked up, however long ago (while it stays among
   * the most recent entries). A client address over its limit of failed authentications gets no lookup for
   * random tokens, but a token known here is still looked up: a legitimate client behind the same address
   * as an attacker keeps working.
   */
  readonly seen: (secretHash: string) => boolean
  readonly set: (secretHash: string, token: Store.TokenRecord, nowMs: number) => void
  readonly forget: (tokenUid: string) => void
}

export const make = (ttlMs = 1_000, maxEntries = 10_000): TokenCache => {
  const entries = new Map<string, { readonly token: Store.TokenRecord; readonly until: number }>()
  return {
    get: (hash, now) => {
      const e = entries.get(hash)
      // A stale entry stays (for `seen`) until a lookup replaces it or it is evicted.
      return e === undefined || e.until <= now ? undefined : e.token
    },
    seen: (hash) => entries.has(hash),
    set: (hash, token, now) => {
      // Insertion order makes the first key the oldest: drop it when full.
      entries.delete(hash)
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
      entries.set(hash, { token, until: now + ttlMs })
    },
    forget: (uid) => {
      for (const [hash, e] of entries) if (e.token.uid === uid) entries.delete(hash)
    }
  }
}
