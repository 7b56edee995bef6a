/**
 * `pnpm start` (also `meterbridge serve`): the API on `PORT` (3000) with the
 * Store at `DATABASE_URL` (SQLite under ./data by default) and, unless
 * METERBRIDGE_WORKER_CONCURRENCY=0, collection loops in the same process.
 * Jobs are leased in the Store, so a job cut off by a crash is taken again
 * after its lease lapses. Settings are validated before anything starts
 * (see server/settings.ts); the process structure, the same on Bun, is
 * node/processes.ts, and what is Node's own is node/runtime.ts.
 */
import { runApi } from "./node/processes.ts"
import { nodeRuntime } from "./node/runtime.ts"
import * as Settings from "./server/settings.ts"

try {
  await runApi(nodeRuntime, Settings.read(process.env), process.env)
} catch (e) {
  // Configuration and startup problems (bad DATABASE_URL, key, port in use) get a clear message, not a stack.
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
}
