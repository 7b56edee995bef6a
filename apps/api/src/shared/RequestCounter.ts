/**
 * Counts API requests per token in memory and writes them in batches, so a
 * request costs no extra write. Flushed at most once a second, and before
 * anything reads `request_count`.
 */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import type { Runtime } from "../Runtime.ts"
import { run } from "./run.ts"

export interface RequestCounter {
  readonly add: (tokenUid: string) => void
  readonly flush: () => Promise<void>
}

export const make = (api: Runtime, everyMs = 1000): RequestCounter => {
  let pending = new Map<string, number>()
  let last = api.now()
  let inFlight: Promise<void> = Promise.resolve()
  const flush = (): Promise<void> => {
    last = api.now()
    const batch = pending
    pending = new Map()
    if (batch.size === 0) return inFlight
    inFlight = inFlight.then(() =>
      run(api, Effect.gen(function*() {
        const store = yield* Store.Store
        for (const [uid, by] of batch) yield* store.incrementTokenRequests(uid, by)
      })).catch((e) => api.log(`[warn] request counts not saved: ${e instanceof Error ? e.message : String(e)}`))
    )
    return inFlight
  }
  return {
    add: (uid) => {
      pending.set(uid, (pending.get(uid) ?? 0) + 1)
      if (api.now() - last >= everyMs) void flush()
    },
    flush
  }
}
