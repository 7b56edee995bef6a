/**
 * `pnpm start:bun`: the same API process as `pnpm start` (node/processes.ts),
 * served by `Bun.serve`, with the Store in SQLite through `bun:sqlite` (or
 * PostgreSQL via `pg`) and the collection worker in the same process; what
 * is Bun's own is bun/runtime.ts. The same settings as Node, read by the same
 * reader (server/settings.ts) from `Bun.env`.
 */
import { bunRuntime } from "./bun/runtime.ts"
import { runApi } from "./node/processes.ts"
import * as Settings from "./server/settings.ts"

try {
  await runApi(bunRuntime, Settings.read(Bun.env), Bun.env)
} catch (e) {
  console.error(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
}
