/**
 * At most `limit` requests in any window of `windowMs` per key (a token's
 * hash, a client address): a sliding log of the last `limit` arrival times,
 * so no burst across a window boundary gets through. Runs before any
 * database work.
 *
 * Memory is bounded: keys live in a least-recently-used map, and when it is
 * full the one key idle the longest is forgotten. A flood of new keys (random
 * tokens, spoofed addresses) therefore never resets the window of a client
 * that is active, and forgetting an idle key only ever gives it a fresh
 * allowance it would have had anyway once its window passed.
 */
export interface RateLimiter {
  /** `undefined` when allowed, else the seconds to wait. */
  readonly hit: (key: string) => number | undefined
  /** Like `hit`, without counting this call. */
  readonly peek: (key: string) => number | undefined
}

/** The log costs 8 bytes per allowed request per key, so the limit is bounded. */
export const MAX_LIMIT = 100_000

/** All keys of one limiter together stay under this many bytes of logs. */
const MAX_LOG_BYTES = 32 * 1024 * 1024

export const make = (limit: number, now: () => number, windowMs = 1000, maxKeys = 10_000): RateLimiter => {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(`The rate limit must be an integer from 1 to ${MAX_LIMIT} requests per window, got ${limit}`)
  }
  const capacity = Math.max(1, Math.min(maxKeys, Math.floor(MAX_LOG_BYTES / (8 * limit))))
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used key first.
  const logs = new Map<string, { times: Float64Array; next: number }>()
  // The key used last is already the most recent in `logs`: a burst from one client skips the re-insertion.
  let lastKey: string | undefined
  const wait = (log: { times: Float64Array; next: number }, t: number) => {
    const oldest = log.times[log.next]!
    return t - oldest < windowMs ? Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)) : undefined
  }
  return {
    hit: (key) => {
      const t = now()
      let log = logs.get(key)
      if (log === undefined) {
        if (logs.size >= capacity) logs.delete(logs.keys().next().value!)
        log = { times: new Float64Array(limit).fill(-Infinity), next: 0 }
        logs.set(key, log)
      } else if (key !== lastKey) {
        logs.delete(key)
        logs.set(key, log)
      }
      lastKey = key
      const w = wait(log, t)
      if (w !== undefined) return w
      log.times[log.next] = t
      log.next = (log.next + 1) % limit
      return undefined
    },
    peek: (key) => {
      const log = logs.get(key)
      return log ? wait(log, now()) : undefined
    }
  }
}
