import { defineConfig } from "vitest/config"

// Only for the child runs of StoreSuite.test.ts; the package's own config never includes this folder's suite file.
export default defineConfig({ test: { include: ["mutantStore.suite.ts"] } })
