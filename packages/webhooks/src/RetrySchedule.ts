/**
 * When to try a failed delivery again, and when to give up on the endpoint.
 *
 * Exponential backoff with **full jitter** (AWS's "Exponential Backoff and Jitter"): the n-th retry waits a uniformly
 * random time in `[minDelayMs, min(capMs, baseMs · 2^(n-1))]`. Full jitter spreads the retries of many failed
 * deliveries (one endpoint down, thousands of events) instead of firing them in waves.
 *
 * Giving up is decided by elapsed time, not by an attempt count: the endpoint is disabled only when an attempt fails
 * `giveUpAfterMs` (default 3 days) or more after the first failure. However the jitter falls, the attempts span at
 * least that long. Pure: the caller passes the clock values and the random source, so a test clock drives it.
 */

export interface RetryPolicy {
  /** The ceiling of the first retry's delay. */
  readonly baseMs: number
  /** The largest delay between two attempts. */
  readonly capMs: number
  /** The smallest delay, so a retry never lands in the same instant as the failure. */
  readonly minDelayMs: number
  /** How long an endpoint may fail before it is disabled. */
  readonly giveUpAfterMs: number
}

const HOUR = 3_600_000

/** 5 s doubling to a 10 h cap (Svix spaces its last retries 10 h apart), giving up after 72 h of failure. */
export const defaultPolicy: RetryPolicy = {
  baseMs: 5_000,
  capMs: 10 * HOUR,
  minDelayMs: 1_000,
  giveUpAfterMs: 72 * HOUR
}

export interface FailedAttempt {
  /** 1 for the first attempt that failed, 2 for the retry after it, … */
  readonly attempt: number
  /** Epoch ms of the first failed attempt in this run of failures. */
  readonly firstFailureAt: number
  /** Epoch ms of this failure. */
  readonly now: number
  /** The reply's status, when there was one: a 410 Gone disables the endpoint at once (Standard Webhooks). */
  readonly status?: number | undefined
  /** The reply's `Retry-After`, in ms: the next attempt waits at least that long (up to `capMs`). */
  readonly retryAfterMs?: number | undefined
}

export type Decision =
  | { readonly _tag: "Retry"; readonly delayMs: number; readonly retryAt: number }
  | {
    readonly _tag: "Disable"
    /** `Gone`: the receiver answered 410. `Exhausted`: it kept failing for `giveUpAfterMs`. */
    readonly reason: "Gone" | "Exhausted"
    /** How long the endpoint had been failing, ms. */
    readonly failingForMs: number
  }

/** The delay ceiling of the `attempt`-th retry: `min(capMs, baseMs · 2^(attempt-1))`, at least `minDelayMs`. */
export const ceilingMs = (attempt: number, policy: RetryPolicy = defaultPolicy): number =>
  Math.max(policy.minDelayMs, Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1)))

/** What to do after a failed attempt. `random` returns a float in [0, 1), like `Math.random`. */
export const next = (failure: FailedAttempt, random: () => number, policy: RetryPolicy = defaultPolicy): Decision => {
  const failingForMs = Math.max(0, failure.now - failure.firstFailureAt)
  if (failure.status === 410) return { _tag: "Disable", reason: "Gone", failingForMs }
  if (failingForMs >= policy.giveUpAfterMs) return { _tag: "Disable", reason: "Exhausted", failingForMs }
  const hi = ceilingMs(failure.attempt, policy)
  const jittered = Math.floor(policy.minDelayMs + random() * (hi - policy.minDelayMs))
  const delayMs = Math.max(jittered, Math.min(failure.retryAfterMs ?? 0, policy.capMs))
  return { _tag: "Retry", delayMs, retryAt: failure.now + delayMs }
}

