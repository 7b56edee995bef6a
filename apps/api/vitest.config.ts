import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "api", include: ["test/**/*.test.ts"], exclude: ["test/runtimes/**", "test/bun/**", "**/node_modules/**"], testTimeout: 60_000 } })
