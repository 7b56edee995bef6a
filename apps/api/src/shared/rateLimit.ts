/**
 * At most `limit` requests in any one-second window per key (the token's
 * hash): a sliding log of the last `limit` arrival times, so no burst across
 * a window boundary gets through. Runs before any database work.
 */
export interface RateLimiter {
  /** `undefined` when allowed, else the seconds to wait. */
  readonly hit: (key: string) => number | undefined
  /** Like `hit`, without counting this call. */
  readonly peek: (key: string) => number | undefined
}

/** The log costs 8 bytes per allowed request per key, so the limit is bounded. */
export const MAX_LIMIT = 10_000

export const make = (limit: number, now: () => number, windowMs = 1000, maxKeys = 10_000): RateLimiter => {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(`The rate limit must be an integer from 1 to ${MAX_LIMIT} requests per window, got ${limit}`)
  }
  const logs = new Map<string, { times: Float64Array; next: number }>()
  return {
    hit: (key) => {
      const t = now()
      let log = logs.get(key)
      if (!log) {
        // Forget idle keys wholesale rather than tracking ages: a full map is rare and resets are harmless.
        if (logs.size >= maxKeys) logs.clear()
        log = { times: new Float64Array(limit).fill(-Infinity), next: 0 }
        logs.set(key, log)
      }
      const oldest = log.times[log.next]!
      if (t - oldest < windowMs) return Math.max(1, Math.ceil((oldest + windowMs - t) / 1000))
      log.times[log.next] = t
      log.next = (log.next + 1) % limit
      return undefined
    },
    peek: (key) => {
      const log = logs.get(key)
      if (!log) return undefined
      const t = now()
      const oldest = log.times[log.next]!
      return t - oldest < windowMs ? Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)) : undefined
    }
  }
}
