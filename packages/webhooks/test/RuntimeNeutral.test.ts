import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const src = new URL("../src/", import.meta.url).pathname

/** Every module outside src/node, which Bun and Workers load as they are. */
const neutral = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.startsWith("node"))

describe("the package root stays runtime-neutral", () => {
  it.each(neutral)("%s imports no Node built-in and uses no Node global", (file) => {
    const text = readFileSync(join(src, file), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")
    const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!)
    expect(imports.filter((s) => s.startsWith("node:") || s === "undici" || s.startsWith("./node"))).toEqual([])
    // A global, not a property (`ipaddr.process(…)` is fine).
    expect(text).not.toMatch(/(?<![.\w])(process|Buffer|__dirname|require)\b\s*[.(]/)
  })

  it("checks at least the five root modules", () => {
    expect(neutral.length).toBeGreaterThanOrEqual(5)
  })
})
