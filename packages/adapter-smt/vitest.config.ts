import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-smt", include: ["test/**/*.test.ts"] } })
