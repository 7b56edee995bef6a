import { describe, expect, it } from "vitest"
import { defaultPolicy, next, type Decision, type RetryPolicy } from "../src/RetrySchedule.ts"
import { seededRandom } from "./seeded.ts"

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 0, 1)

interface Run {
  readonly delays: Array<number>
  readonly final: Decision
  readonly lastFailureAt: number
}

/** Plays an endpoint that fails every attempt, on a test clock that jumps to each scheduled retry. */
const failForever = (random: () => number, policy: RetryPolicy = defaultPolicy): Run => {
  const delays: Array<number> = []
  let now = T0
  for (let attempt = 1; attempt < 1_000_000; attempt++) {
    const d = next({ attempt, firstFailureAt: T0, now }, random, policy)
    if (d._tag === "Disable") return { delays, final: d, lastFailureAt: now }
    expect(d.retryAt).toBe(now + d.delayMs)
    delays.push(d.delayMs)
    now = d.retryAt
  }
  throw new Error("the schedule never gave up")
}

describe("RetrySchedule", () => {
  it("retries for at least 72 hours, then disables the endpoint as exhausted", () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const run = failForever(seededRandom(seed))
      const total = run.delays.reduce((a, b) => a + b, 0)
      expect(total).toBeGreaterThanOrEqual(72 * HOUR)
      // It gives up at the first failure past 72 h, so the span overshoots by at most one capped delay.
      expect(total).toBeLessThan(72 * HOUR + 10 * HOUR)
      expect(run.final).toEqual({ _tag: "Disable", reason: "Exhausted", failingForMs: total })
    }
  })

  it("keeps each delay within full jitter's bounds: 1 s .. min(10 h, 5 s · 2^(n-1))", () => {
    const run = failForever(seededRandom(7))
    run.delays.forEach((d, i) => {
      const ceiling = Math.min(10 * HOUR, 5_000 * 2 ** i)
      expect(d).toBeGreaterThanOrEqual(1_000)
      expect(d).toBeLessThanOrEqual(ceiling)
    })
    // Later delays reach the 10 h cap region, so the back-off really grows.
    expect(Math.max(...run.delays)).toBeGreaterThan(5 * HOUR)
  })

  it("still spans 72 hours when the jitter always draws the extremes", () => {
    for (const random of [() => 0, () => 0.999999]) {
      const run = failForever(random)
      expect(run.delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(72 * HOUR)
    }
    // Drawing 0 every time means the floor every time, many attempts; drawing ~1 means the ceilings.
    expect(failForever(() => 0).delays.every((d) => d === 1_000)).toBe(true)
    expect(failForever(() => 0.999999).delays.slice(0, 4)).toEqual([4_999, 9_999, 19_999, 39_999])
  })

  it("is deterministic for a seeded random source", () => {
    expect(failForever(seededRandom(99)).delays).toEqual(failForever(seededRandom(99)).delays)
    expect(failForever(seededRandom(99)).delays).not.toEqual(failForever(seededRandom(100)).delays)
  })

  it("disables at once on 410 Gone", () => {
    expect(next({ attempt: 1, firstFailureAt: T0, now: T0, status: 410 }, Math.random)).toEqual({
      _tag: "Disable",
      reason: "Gone",
      failingForMs: 0
    })
  })

  it("waits at least as long as Retry-After asks, up to the cap", () => {
    const d = next({ attempt: 1, firstFailureAt: T0, now: T0, status: 429, retryAfterMs: 120_000 }, () => 0.5)
    expect(d).toEqual({ _tag: "Retry", delayMs: 120_000, retryAt: T0 + 120_000 })
    const capped = next({ attempt: 1, firstFailureAt: T0, now: T0, retryAfterMs: 48 * HOUR }, () => 0.5)
    expect(capped._tag === "Retry" && capped.delayMs).toBe(10 * HOUR)
  })

  it("follows a custom policy", () => {
    const policy: RetryPolicy = { baseMs: 1_000, capMs: 60_000, minDelayMs: 500, giveUpAfterMs: HOUR }
    const run = failForever(seededRandom(5), policy)
    expect(run.delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(HOUR)
    expect(Math.max(...run.delays)).toBeLessThanOrEqual(60_000)
  })
})
