/**
 * Runs collection jobs from the Store's queue. Jobs are leased, not owned:
 * a worker that dies leaves a lease that lapses, and the next worker (after
 * a restart, or on another box) takes the job again. Collection writes are
 * idempotent, so running a job twice is safe.
 */
import { Effect, Fiber } from "effect"
import { now, type CollectionError } from "./Collection.ts"
import { runJob } from "./Jobs.ts"
import type { Collectors } from "./Collectors.ts"
import { markExpired } from "./Expiry.ts"
import { Store, type Job, type StoreError } from "./Store.ts"
import { MICROS_PER_DAY } from "./Timestamp.ts"
import type { Vault, VaultError } from "./Vault.ts"

export interface WorkerOptions {
  /** Jobs run at once. */
  readonly concurrency?: number
  /** How long a claimed job stays leased without a heartbeat. */
  readonly leaseMs?: number
  /** Pause between polls of an empty queue. */
  readonly pollMs?: number
  /** How often active services are checked for a scheduled (monitoring) collection. */
  readonly scheduleEveryMs?: number
  /** Active services are re-collected when their last collection is older than this. */
  readonly refreshAfterMs?: number
  /** At most this many jobs of one user run at once, across all workers on the Store (unlimited by default). */
  readonly maxRunningPerUser?: number
}

const defaults = {
  concurrency: 2,
  maxRunningPerUser: Number.MAX_SAFE_INTEGER,
  leaseMs: 60_000,
  pollMs: 1_000,
  scheduleEveryMs: 15 * 60_000,
  refreshAfterMs: MICROS_PER_DAY / 1000
} satisfies Required<WorkerOptions>

type Env = Store | Collectors | Vault

/** Claims and runs one due job; false when none is due. */
export const runNext = (leaseMs = defaults.leaseMs, maxRunningPerUser = defaults.maxRunningPerUser): Effect.Effect<boolean, StoreError | VaultError, Env> =>
  Effect.gen(function*() {
    const store = yield* Store
    const t = yield* now
    const job = yield* store.claimJob(t, t + leaseMs * 1000, { maxRunningPerUser })
    if (!job) return false
    yield* runLeased(job, leaseMs)
    return true
  })

const runLeased = (job: Job, leaseMs: number) =>
  Effect.gen(function*() {
    const store = yield* Store
    // The heartbeat keeps a long collection's lease alive; it stops with the job.
    const heartbeat = yield* Effect.forkChild(
      Effect.forever(
        Effect.sleep(leaseMs / 3).pipe(
          Effect.andThen(now),
          Effect.flatMap((t) => store.extendLease(job.id, t + leaseMs * 1000)),
          Effect.ignore
        )
      )
    )
    // A worker told to stop hands its job back at once rather than leaving the lease to lapse.
    const outcome = yield* runJob(job).pipe(
      Effect.ensuring(Fiber.interrupt(heartbeat)),
      Effect.onInterrupt(() => now.pipe(Effect.flatMap((t) => store.retryJob(job.id, t)), Effect.ignore))
    )
    if (outcome === "done") yield* store.completeJob(job.id)
    else yield* store.retryJob(job.id, outcome.retryAt)
  })

/** Monitoring periods in units of the daily refresh. */
const PERIODS = { daily: 1, weekly: 7, monthly: 30 } as const

/** Enqueues a collection for every active service not collected within `refreshAfterMs`. */
export const scheduleMonitoring = (refreshAfterMs = defaults.refreshAfterMs) =>
  Effect.gen(function*() {
    const store = yield* Store
    const t = yield* now
    const candidates = yield* store.listServicesDue(t, t - refreshAfterMs * 1000)
    // Weekly and monthly monitoring wait longer than the daily staleness the Store selects by.
    const due = candidates.filter((s) =>
      s.monitoring !== "off" && (s.last_collected === null || s.last_collected < t - PERIODS[s.monitoring] * refreshAfterMs * 1000)
    )
    for (const s of due) yield* store.enqueueJob({ kind: "service", target_uid: s.uid, params: {}, run_at: t })
    yield* markExpired
    return due.length
  })

/** Runs due jobs until none is left (for tests and one-shot CLI runs). */
export const drain: Effect.Effect<number, StoreError | VaultError, Env> = Effect.gen(function*() {
  let ran = 0
  while (yield* runNext()) ran++
  return ran
})

/** The long-running worker: `concurrency` loops claiming jobs, plus the monitoring scheduler. */
export const run = (options: WorkerOptions = {}): Effect.Effect<never, never, Env> => {
  const o = { ...defaults, ...options }
  const loop = Effect.forever(
    runNext(o.leaseMs, o.maxRunningPerUser).pipe(
      Effect.catchCause((cause) => Effect.logError("collection job failed", cause).pipe(Effect.as(false))),
      Effect.flatMap((ran) => (ran ? Effect.void : Effect.sleep(o.pollMs)))
    )
  )
  const scheduler = Effect.forever(
    scheduleMonitoring(o.refreshAfterMs).pipe(
      Effect.catchCause((cause) => Effect.logError("monitoring schedule failed", cause)),
      Effect.andThen(Effect.sleep(o.scheduleEveryMs))
    )
  )
  return Effect.all([...Array.from({ length: o.concurrency }, () => loop), scheduler], { concurrency: "unbounded" }).pipe(
    Effect.andThen(Effect.never)
  ) as Effect.Effect<never, never, Env>
}

export type { CollectionError }
