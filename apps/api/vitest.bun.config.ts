import { defineConfig } from "vitest/config"

// Tests that run on Bun itself (`bun:sqlite`), started by test/bunSqlite.test.ts: Bun lacks what Vitest's
// default process pool needs (an IPC channel's unref), so they run in worker threads.
export default defineConfig({ test: { name: "bun", include: ["test/bun/**/*.test.ts"], pool: "threads", testTimeout: 60_000 } })
