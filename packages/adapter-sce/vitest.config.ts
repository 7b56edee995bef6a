import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-sce", include: ["test/**/*.test.ts"] } })
