import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-sdge", include: ["test/**/*.test.ts"] } })
