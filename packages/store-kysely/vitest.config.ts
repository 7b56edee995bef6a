import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "store-kysely", include: ["test/**/*.test.ts"] } })
