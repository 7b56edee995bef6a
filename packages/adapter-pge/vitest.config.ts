import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-pge", include: ["test/**/*.test.ts"] } })
