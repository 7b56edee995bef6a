import { defineConfig } from "vitest/config"

// The runtime suite starts real servers on Node, Bun and workerd: its own run (`pnpm test:runtimes`), not `pnpm test`.
export default defineConfig({ test: { name: "runtimes", include: ["test/runtimes/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 60_000 } })
