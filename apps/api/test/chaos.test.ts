/**
 * The chaos run, small (`pnpm chaos` runs it at scale): API processes and
 * workers on one PostgreSQL, workers SIGKILLed while they collect. Runs when
 * MB_TEST_POSTGRES_URL is set.
 */
import { describe, expect, it } from "vitest"
import * as Chaos from "./chaos/Chaos.ts"

const url = process.env["MB_TEST_POSTGRES_URL"]

describe.skipIf(!url)("scale-out on PostgreSQL under worker kills", () => {
  it("every authorization ends updated with 0 lost, 0 duplicated, 0 wrong and 0 stuck", async () => {
    const figures = await Chaos.run({
      postgresUrl: url!,
      apis: 2,
      workers: 3,
      authorizations: 3,
      users: 2,
      minKills: 6,
      killEveryMs: 2000,
      timeoutMs: 80_000
    })
    expect(figures.notUpdated).toEqual([])
    expect(figures).toMatchObject({
      updated: 3,
      lostIntervals: 0,
      lostBills: 0,
      duplicatedIntervals: 0,
      duplicatedBills: 0,
      wrongValues: 0,
      stuckJobs: 0
    })
    expect(figures.kills).toBeGreaterThanOrEqual(6)
    expect(figures.intervals).toBeGreaterThan(3 * 70_000)
  }, 90_000)
})
