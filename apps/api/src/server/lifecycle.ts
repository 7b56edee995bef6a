/**
 * For runtimes that keep a process (Bun; Node has its own, node/processes.ts):
 * announce the first user on an empty database, run the collection worker
 * (with its heartbeat, which `/readyz` reads) and the webhook deliveries in
 * the background, and hand back the orderly stop (loops, then listener,
 * then pending writes, then the Store).
 */
import { Effect, Fiber } from "effect"
import { heartbeat } from "./readiness.ts"
import { describeMode, type Server } from "./Server.ts"
import type { StoreOps } from "./storeOps.ts"

export interface Lifecycle {
  readonly log: (line: string) => void
  /** Writes the first user's generated token, bare, on standard output. */
  readonly printSecret: (secret: string) => void
  readonly publicBaseUrl: string
  /** What the startup line says after the URL, e.g. `store: SQLite ./data/meterbridge.db`. */
  readonly describe: string
  /** METERBRIDGE_WORKER_CONCURRENCY > 0: collection loops in this process. */
  readonly runWorker: boolean
  /** Where the worker's heartbeat goes, under this id (host, process id). */
  readonly ops: StoreOps
  readonly workerId: string
  readonly closeListener: () => Promise<void>
  readonly closeStore: () => Promise<void>
}

export const start = async (api: Server, o: Lifecycle): Promise<(signal: string) => Promise<void>> => {
  const first = await api.bootstrap()
  if (first) {
    o.log(`Empty database: created the user ${first.email}.`)
    // A generated token is printed once, bare, for the operator to copy (as on Node); one given by environment is never echoed.
    if (first.generated) {
      o.log("Its API token is printed on the next line of standard output (shown once).")
      o.printSecret(first.secret)
    }
  }
  const worker = o.runWorker ? Effect.runFork(api.worker) : undefined
  const stopBeating = o.runWorker
    ? heartbeat(o.ops, o.workerId, (e) => o.log(`[warn] heartbeat failed: ${String(e)}`))
    : undefined
  const deliveries = Effect.runFork(api.deliveries)
  o.log(describeMode(api.settings.testMode, api.utilities))
  o.log(`Meterbridge API on ${o.publicBaseUrl}/api (${o.describe}; utilities: ${api.utilities.join(", ")})`)
  let stopping: Promise<void> | undefined
  return (signal) =>
    (stopping ??= (async () => {
      o.log(`${signal}: shutting down`)
      if (worker) await Effect.runPromise(Fiber.interrupt(worker))
      await stopBeating?.()
      await Effect.runPromise(Fiber.interrupt(deliveries))
      await o.closeListener()
      await api.flush()
      await o.closeStore()
    })())
}
