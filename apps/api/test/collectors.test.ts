/** Every adapter package is registered in src/server/adapterList.ts and runs the shared Collector conformance suite. */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as AppCollectors from "../src/server/adapters.ts"

const PACKAGES = join(import.meta.dirname, "../../../packages")
const adapters = readdirSync(PACKAGES).filter((d) => d.startsWith("adapter-") && existsSync(join(PACKAGES, d, "package.json")))

/** The utility a package registers (its `registration` export). */
const registrationOf = async (folder: string) =>
  ((await import(join(PACKAGES, folder, "src/registration.ts"))) as { registration: { utility: string } }).registration.utility

describe("the collectors registry", () => {
  it("finds the adapter packages", () => {
    expect(adapters).toContain("adapter-demo")
  })

  it.each(adapters)("%s is registered once and calls CollectorSuite.suite( in a test", async (folder) => {
    const name = JSON.parse(readFileSync(join(PACKAGES, folder, "package.json"), "utf8")).name as string
    const utility = await registrationOf(folder)
    expect(AppCollectors.adapters.filter((r) => r.utility === utility).length).toBe(1)
    expect(readFileSync(join(import.meta.dirname, "../src/server/adapterList.ts"), "utf8")).toContain(`"${name}/registration"`)
    const testDir = join(PACKAGES, folder, "test")
    const sources = existsSync(testDir) ? readdirSync(testDir).filter((f) => f.endsWith(".test.ts")).map((f) => readFileSync(join(testDir, f), "utf8")) : []
    expect(sources.some((s) => s.includes("CollectorSuite.suite("))).toBe(true)
  })

  it("gives apps/api a dependency on every adapter package from .pnpmfile.cjs, so a new utility needs no line in its package.json", () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as { name: string; dependencies: Record<string, string> }
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith("@meterbridge/adapter-"))).toEqual([])
    const hooks = (createRequire(import.meta.url)("../../../.pnpmfile.cjs") as { hooks: { readPackage: (p: typeof manifest) => typeof manifest } }).hooks
    const read = hooks.readPackage(manifest)
    for (const folder of adapters) {
      const name = JSON.parse(readFileSync(join(PACKAGES, folder, "package.json"), "utf8")).name as string
      expect(read.dependencies[name]).toBe("workspace:^")
    }
    // Only the API gets them.
    expect(hooks.readPackage({ name: "@meterbridge/core", dependencies: {} }).dependencies).toEqual({})
  })

  it("registers each utility ID once and, in test mode, mounts every sandbox", () => {
    const registered = AppCollectors.build({ publicBaseUrl: "http://x.test", env: {}, testMode: true })
    const ids = registered.map((r) => r.collector.info.utility)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(AppCollectors.adapters.map((r) => r.utility))
    expect(registered.every((r) => r.sandbox !== undefined)).toBe(true)
  })

  it("refuses half-configured production credentials", () => {
    expect(() => AppCollectors.build({ publicBaseUrl: "http://x.test", env: { SCE_CLIENT_ID: "abc" }, testMode: true })).toThrow(/SCE_CLIENT_SECRET/)
  })
})
