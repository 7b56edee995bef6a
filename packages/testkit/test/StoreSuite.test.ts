/**
 * The Store suite must fail a store with a bug. Each mutant (see
 * `mutants/mutantStore.suite.ts`) runs the whole suite in a child vitest, and
 * the test the bug should trip is expected among the failures.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { createRequire } from "node:module"
import { join } from "node:path"
import { promisify } from "node:util"
import { assert, beforeAll, describe, it } from "vitest"

const vitest = join(createRequire(import.meta.url).resolve("vitest/package.json"), "..", "vitest.mjs")
const root = join(import.meta.dirname, "mutants")

/** Runs every mutant's suite in one child vitest; returns "<suite> > <test>" for each failed test. */
const failures = async (): Promise<Array<string>> => {
  const dir = mkdtempSync(join(tmpdir(), "mb-mutant-"))
  try {
    const output = join(dir, "report.json")
    await promisify(execFile)(process.execPath, [vitest, "run", "--root", root, "--reporter", "json", "--outputFile", output], {
      maxBuffer: 32 * 1024 * 1024
    }).catch(() => undefined) // failing tests are the point; the report says which
    const report = JSON.parse(readFileSync(output, "utf8")) as {
      testResults: Array<{ assertionResults: Array<{ ancestorTitles: Array<string>; title: string; status: string }> }>
    }
    return report.testResults.flatMap((f) => f.assertionResults).filter((a) => a.status === "failed")
      .map((a) => `${a.ancestorTitles[0]} > ${a.title}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("Store suite catches broken stores", () => {
  let failed: Array<string> = []
  beforeAll(async () => {
    failed = await failures()
  }, 120_000)

  it.each([
    ["counts-everything-inserted", "upserting the same rows twice changes nothing and duplicates nothing"],
    ["claim-without-lease", "two concurrent claimers never get the same job"],
    ["delete-without-cascade", "deleteAccount removes its services, bills, intervals and jobs, and nothing of other accounts"],
    ["half-written-batch", "a batch failing midway writes nothing, not even its valid rows"],
    ["end-inclusive", "streams in start order with start inclusive and end exclusive"],
    ["update-half-applied", "refuses another user's email with Conflict and changes nothing"]
  ])("mutant %s fails: %s", (mutant, expected) => {
    assert.include(failed, `Store (mutant ${mutant}) > ${expected}`)
  })
})
