/** The fuzzer, bounded and with a fixed seed (`pnpm fuzz` runs it at scale). */
import { describe, expect, it } from "vitest"
import * as Fuzz from "./fuzz/Fuzz.ts"

describe("fuzz", () => {
  it("random and mutated requests on every route of every surface: no 5xx, no foreign read, no foreign write", async () => {
    const figures = await Fuzz.run({ requests: 1200, seed: 20261201 })
    expect(figures.routes).toBeGreaterThan(40)
    expect(figures.examples).toEqual([])
    expect(figures.serverErrors).toBe(0)
    expect(figures.foreignReads).toBe(0)
    expect(figures.foreignWrites).toBe(0)
    // The requests reached handlers, not only the authentication wall.
    expect(Object.keys(figures.byStatus)).toEqual(expect.arrayContaining(["200", "400", "401", "404"]))
  }, 180_000)
})
