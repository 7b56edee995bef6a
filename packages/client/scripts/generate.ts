/**
 * Regenerates `src/schema.ts` from the API's OpenAPI document (the one
 * `/api/openapi.json` serves) with openapi-typescript:
 * `pnpm --filter @meterbridge/client generate`. A test fails when the
 * committed file differs from what this writes.
 */
import { writeFileSync } from "node:fs"
import { generate } from "./schemaText.ts"

const target = new URL("../src/schema.ts", import.meta.url)
writeFileSync(target, await generate())
console.log(`wrote ${target.pathname}`)
