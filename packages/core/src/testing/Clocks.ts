/**
 * Clocks for tests: Effect reads time from `Clock`, so a test moves time by providing one of these instead of
 * waiting. The one place such clocks are defined (testkit re-exports them as `@meterbridge/testkit/clock`).
 */
import { Clock, Effect } from "effect"

const monotonic = () => BigInt(Math.round(performance.now() * 1_000_000))

/** A clock reading `millis()`; `sleep` waits for real unless told to return at once. */
export const reading = (millis: () => number, options: { readonly instantSleep?: boolean } = {}): Clock.Clock => ({
  currentTimeMillisUnsafe: millis,
  currentTimeMillis: Effect.sync(millis),
  currentTimeNanosUnsafe: () => BigInt(millis()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
  monotonicTimeNanosUnsafe: monotonic,
  monotonicTimeNanos: Effect.sync(monotonic),
  sleep: (d) => (options.instantSleep ? Effect.void : Effect.sleep(d))
})

/** The real time, `ms` ahead: jobs scheduled for later (retries, polls) come due. */
export const ahead = (ms: number): Clock.Clock => reading(() => Date.now() + ms)

/** A clock that stands still at `start` until the test moves it (`set`, `advance`); sleeping returns at once. */
export const manual = (start = Date.now()) => {
  let t = start
  return {
    clock: reading(() => t, { instantSleep: true }),
    now: () => t,
    set: (ms: number) => void (t = ms),
    advance: (ms: number) => void (t += ms)
  }
}
