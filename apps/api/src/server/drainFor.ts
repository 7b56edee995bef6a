/**
 * The collection worker as a bounded step: schedule monitoring collections
 * that are due, then claim and run due jobs until none is left or the time
 * budget is spent. Workers' `scheduled` handler calls it every minute; a
 * job started near the end of the budget still finishes (its lease covers
 * it), so the budget should leave room for one job.
 */
import { Clock, Effect } from "effect"
import { Worker } from "@meterbridge/core"
import type { Services } from "../Runtime.ts"

export const drainFor = (budgetMs: number, leaseMs: number, maxRunningPerUser?: number): Effect.Effect<number, never, Services> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    yield* Worker.scheduleMonitoring().pipe(Effect.catchCause((cause) => Effect.logError("monitoring schedule failed", cause)))
    let ran = 0
    while ((yield* Clock.currentTimeMillis) - start < budgetMs) {
      const more = yield* Worker.runNext(leaseMs, maxRunningPerUser).pipe(
        Effect.catchCause((cause) => Effect.logError("collection job failed", cause).pipe(Effect.as(true)))
      )
      if (!more) break
      ran++
    }
    return ran
  })
