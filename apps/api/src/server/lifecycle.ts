/**
 * For runtimes that keep a process (Node, Bun): announce the first user on an
 * empty database, run the worker and the webhook deliveries in the
 * background, and hand back the orderly stop (loops, then listener, then
 * pending writes, then the Store).
 */
import { Effect, Fiber } from "effect"
import type { Server } from "./Server.ts"

export interface Lifecycle {
  readonly log: (line: string) => void
  readonly publicBaseUrl: string
  /** What the startup line says after the URL, e.g. `store: SQLite ./data/meterbridge.db`. */
  readonly describe: string
  readonly closeListener: () => Promise<void>
  readonly closeStore: () => Promise<void>
}

export const start = async (api: Server, o: Lifecycle): Promise<(signal: string) => Promise<void>> => {
  const first = await api.bootstrap()
  if (first) {
    o.log(`Empty database: created the user ${first.email}. Its API token (shown once):`)
    o.log(first.secret)
  }
  const worker = Effect.runFork(api.worker)
  const deliveries = Effect.runFork(api.deliveries)
  o.log(`Meterbridge API on ${o.publicBaseUrl}/api (${o.describe}; utilities: ${api.utilities.join(", ")})`)
  let stopping: Promise<void> | undefined
  return (signal) =>
    (stopping ??= (async () => {
      o.log(`${signal}: shutting down`)
      await Effect.runPromise(Fiber.interrupt(worker))
      await Effect.runPromise(Fiber.interrupt(deliveries))
      await o.closeListener()
      await api.flush()
      await o.closeStore()
    })())
}
