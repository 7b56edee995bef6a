import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-demo", include: ["test/**/*.test.ts"] } })
