/**
 * `/readyz` over a Kysely Store, the same on every runtime: the database
 * answers, every migration is applied and, where this process counts on
 * collection workers, one of them sent a heartbeat lately.
 */
import type { Readiness } from "../app.ts"
import type { StoreOps } from "./storeOps.ts"

/** How often a worker writes its heartbeat row. */
export const HEARTBEAT_MS = 5_000
/** A worker whose heartbeat is older than this no longer counts as alive. */
export const ALIVE_MS = 30_000

export const readiness = (ops: StoreOps, needWorkers: boolean) => async (): Promise<Readiness> => {
  const checks: Record<string, { ok: boolean; detail?: string }> = {}
  try {
    const pending = await ops.pendingMigrations()
    checks["database"] = { ok: true }
    checks["migrations"] = pending.length === 0 ? { ok: true } : { ok: false, detail: `not applied: ${pending.join(", ")}` }
    if (needWorkers) {
      const { alive, newest } = await ops.lastBeat(Date.now() - ALIVE_MS)
      checks["workers"] = alive > 0
        ? { ok: true, detail: `${alive} alive` }
        : { ok: false, detail: newest === undefined ? "no collection worker has started" : `last heartbeat ${Math.round((Date.now() - newest) / 1000)}s ago` }
    }
  } catch (e) {
    checks["database"] = { ok: false, detail: e instanceof Error ? e.message : "unreachable" }
  }
  return { ready: Object.values(checks).every((c) => c.ok), checks }
}

/** A worker's heartbeat row, written every HEARTBEAT_MS until the returned stop removes it. */
export const heartbeat = (ops: StoreOps, workerId: string, onError: (e: unknown) => void): (() => Promise<void>) => {
  const beat = () => ops.beat(workerId, Date.now()).catch(onError)
  void beat()
  const timer = setInterval(beat, HEARTBEAT_MS)
  return async () => {
    clearInterval(timer)
    await ops.leave(workerId).catch(() => undefined)
  }
}
