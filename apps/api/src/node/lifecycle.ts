/**
 * Graceful shutdown with a deadline. Each part of a process (HTTP server,
 * collection worker, another helper's delivery loop…) registers how it stops;
 * on SIGTERM or SIGINT they stop in reverse order of registration (the
 * server stops taking requests before the database closes), and if that
 * takes longer than the deadline the process exits anyway with code 1.
 */
import type { Log } from "./log.ts"

export interface Lifecycle {
  /** `stop` runs once at shutdown; parts stop last-registered first. */
  readonly onStop: (name: string, stop: () => Promise<void>) => void
  readonly shutdown: (reason: string) => Promise<void>
}

export const make = (log: Log, deadlineMs: number, exit: (code: number) => void = (code) => process.exit(code)): Lifecycle => {
  const parts: Array<{ readonly name: string; readonly stop: () => Promise<void> }> = []
  let stopping: Promise<void> | undefined
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(`${reason}: shutting down`, { deadline_ms: deadlineMs })
      const timer = setTimeout(() => {
        log.error("shutdown deadline passed; exiting with work unfinished", { deadline_ms: deadlineMs })
        log.flush()
        exit(1)
      }, deadlineMs)
      timer.unref()
      for (const part of [...parts].reverse()) {
        try {
          await part.stop()
        } catch (e) {
          log.error(`stopping ${part.name} failed`, { error: e instanceof Error ? e.message : String(e) })
        }
      }
      clearTimeout(timer)
      log.info("stopped")
      log.flush()
      exit(0)
    })()
    return stopping
  }
  process.once("SIGTERM", () => void shutdown("SIGTERM"))
  process.once("SIGINT", () => void shutdown("SIGINT"))
  return { onStop: (name, stop) => void parts.push({ name, stop }), shutdown }
}
