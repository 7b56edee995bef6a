/** Every adapter package is registered in src/collectors.ts and runs the shared Collector conformance suite. */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as AppCollectors from "../src/node/collectors.ts"

const PACKAGES = join(import.meta.dirname, "../../../packages")
const adapters = readdirSync(PACKAGES).filter((d) => d.startsWith("adapter-") && existsSync(join(PACKAGES, d, "package.json")))

describe("the collectors registry", () => {
  it("finds the adapter packages", () => {
    expect(adapters).toContain("adapter-demo")
  })

  it.each(adapters)("%s is registered once and calls CollectorSuite.suite( in a test", (folder) => {
    expect(AppCollectors.registrations.filter((r) => r.folder === folder).length).toBe(1)
    const testDir = join(PACKAGES, folder, "test")
    const sources = existsSync(testDir) ? readdirSync(testDir).filter((f) => f.endsWith(".test.ts")).map((f) => readFileSync(join(testDir, f), "utf8")) : []
    expect(sources.some((s) => s.includes("CollectorSuite.suite("))).toBe(true)
  })

  it("registers each utility ID once and, in test mode, mounts every sandbox", () => {
    const registered = AppCollectors.build({ publicBaseUrl: "http://x.test", env: {}, testMode: true })
    const ids = registered.map((r) => r.collector.info.utility)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(AppCollectors.registrations.map((r) => r.utility))
    expect(registered.every((r) => r.sandbox !== undefined)).toBe(true)
  })

  it("refuses half-configured production credentials", () => {
    expect(() => AppCollectors.build({ publicBaseUrl: "http://x.test", env: { SCE_CLIENT_ID: "abc" }, testMode: true })).toThrow(/SCE_CLIENT_SECRET/)
  })
})
