import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-gba", include: ["test/**/*.test.ts"] } })
