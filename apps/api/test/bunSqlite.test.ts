/**
 * The Store on bun:sqlite (src/bun/sqlite.ts), tested on Bun itself: Vitest run by Bun over test/bun/ (see
 * vitest.bun.config.ts), where the Store conformance suite and the reader connection's promises run as on Node.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const ROOT = join(import.meta.dirname, "..")
const BUN = join(ROOT, "node_modules/.bin/bun")
const VITEST = join(ROOT, "node_modules/vitest/vitest.mjs")

interface Report {
  readonly numTotalTests: number
  readonly numPassedTests: number
  readonly testResults: ReadonlyArray<{ readonly assertionResults: ReadonlyArray<{ readonly fullName: string; readonly status: string; readonly failureMessages: ReadonlyArray<string> }> }>
}

describe("the Store on bun:sqlite", () => {
  it("passes the Store conformance suite and the reader's suite on Bun", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mb-bun-vitest-"))
    const output = join(dir, "report.json")
    let report: Report
    try {
      // A failing test exits 1 and still writes the report; without one, what Bun printed says why.
      const stderr = await promisify(execFile)(BUN, ["--bun", VITEST, "run", "--config", "vitest.bun.config.ts", "--reporter=json", `--outputFile=${output}`], {
        cwd: ROOT,
        timeout: 150_000,
        maxBuffer: 64 * 1024 * 1024
      }).then(({ stderr }) => stderr, (e: { stderr?: string }) => e.stderr ?? String(e))
      if (!existsSync(output)) throw new Error(`Vitest on Bun wrote no report:\n${stderr.slice(-4000)}`)
      report = JSON.parse(readFileSync(output, "utf8")) as Report
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const failed = report.testResults.flatMap((f) => f.assertionResults).filter((t) => t.status !== "passed")
    expect(failed.map((t) => `${t.fullName}: ${t.failureMessages.join("\n")}`)).toEqual([])
    // The suites ran, not none of them: the conformance suite alone has 50 tests.
    expect(report.numPassedTests).toBeGreaterThan(50)
    expect(report.numPassedTests).toBe(report.numTotalTests)
  }, 180_000)
})
