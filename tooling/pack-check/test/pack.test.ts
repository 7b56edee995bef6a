/**
 * What an npm user gets: builds the workspace, packs every publishable package as `changeset publish` would
 * (`pnpm pack` applies `publishConfig`), lints each tarball with publint --strict and attw, installs the tarballs
 * into a scratch npm project and runs them on plain Node 22 without type stripping, then bundles the same imports
 * for a Worker with esbuild. Slow (npm installs, a Node 22 download on a cold cache): runs when CI or MB_PACK_CHECK is set.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { build } from "esbuild"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = new URL("../../..", import.meta.url).pathname
const here = new URL("..", import.meta.url).pathname
const fixture = join(root, "packages/greenbutton/test/fixtures/gba-sample-hourly-2011-03-dst-spring.xml")

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly peerDependencies?: Record<string, string>
}
const publishable = readdirSync(join(root, "packages"))
  .map((dir) => ({ dir: join(root, "packages", dir), manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Manifest }))
  .filter((p) => p.manifest.private !== true)

/** pnpm's npm_config_* settings are not a fresh npm user's: leave them out. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")))

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  execFileSync(command, args, { cwd, encoding: "utf8", env: { ...cleanEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] })


describe.skipIf(!process.env["CI"] && !process.env["MB_PACK_CHECK"])("packed packages", () => {
  const work = mkdtempSync(join(tmpdir(), "meterbridge-pack-"))
  const tarballs = join(work, "tarballs")
  const scratch = join(work, "scratch")
  const tarball = new Map<string, string>()
  /** Plain Node 22, first on PATH as for a user who has it installed. */
  let node22 = ""
  const withNode22 = () => ({ PATH: `${dirname(node22)}${delimiter}${process.env["PATH"]}` })
  /** The published JavaScript must run without Node's TypeScript support. */
  const runNode22 = (args: ReadonlyArray<string>) => run(node22, ["--no-experimental-strip-types", ...args], scratch)
  /** The manifest as published (catalog: and workspace: ranges resolved). */
  const packed = (name: string): Manifest & { readonly devDependencies?: Record<string, string> } =>
    JSON.parse(run("tar", ["-xzOf", tarball.get(name)!, "package/package.json"], work))

  beforeAll(() => {
    node22 = run("npx", ["-y", "-p", "node@22", "-c", "command -v node"], work).trim()
    run("pnpm", ["run", "build"], root)
    for (const { dir, manifest } of publishable) {
      const out = run("pnpm", ["pack", "--pack-destination", tarballs], dir).trim().split("\n").at(-1)!
      tarball.set(manifest.name, out)
    }
    // Everything but the testkit (whose vitest and @hono/node-server peers would bring hono in).
    const dependencies: Record<string, string> = {}
    for (const [name, file] of tarball) if (name !== "@meterbridge/testkit") dependencies[name] = `file:${file}`
    dependencies["effect"] = packed("@meterbridge/core").peerDependencies!["effect"]!
    mkdirSync(scratch)
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module", dependencies }))
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], scratch)
  })

  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it("every publishable package is packed, and publint --strict finds nothing", async () => {
    expect([...tarball.keys()].sort()).toEqual(publishable.map((p) => p.manifest.name).sort())
    const problems: Array<string> = []
    for (const [name, file] of tarball) {
      const data = readFileSync(file)
      const { messages, pkg } = await publint({
        pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
        level: "suggestion",
        strict: true
      })
      for (const m of messages) problems.push(`${name}: ${m.type}: ${formatMessage(m, pkg) ?? m.code}`)
    }
    expect(problems).toEqual([])
  })

  it("attw finds the types of every entry (ESM-only profile: effect 4 and these packages are ESM-only)", () => {
    const failures: Array<string> = []
    for (const [name, file] of tarball) {
      try {
        run(join(here, "node_modules/.bin/attw"), [file, "--profile", "esm-only", "--format", "ascii"], work)
      } catch (error) {
        failures.push(`${name}:\n${(error as { stdout?: string }).stdout ?? String(error)}`)
      }
    }
    expect(failures).toEqual([])
  })

  it("on Node 22 without hono or vitest, every main entry loads and greenbutton parses a real ESPI file", () => {
    // Independently of the parser: each IntervalReading's value (Wh, powerOfTenMultiplier 0), first per start.
    const xml = readFileSync(fixture, "utf8")
    const byStart = new Map<string, number>()
    for (const m of xml.matchAll(/<IntervalReading>[\s\S]*?<start>(\d+)<\/start>[\s\S]*?<value>(-?\d+)<\/value>[\s\S]*?<\/IntervalReading>/g)) {
      if (!byStart.has(m[1]!)) byStart.set(m[1]!, Number(m[2]))
    }
    expect(xml).not.toMatch(/<powerOfTenMultiplier>[1-9-]/)

    writeFileSync(join(scratch, "main.mjs"), readFileSync(join(here, "test/scratch/main.mjs")))
    const result = JSON.parse(runNode22(["main.mjs", fixture]))
    expect(result.honoMissing).toBe(true)
    expect(result.vitestMissing).toBe(true)
    expect(result.utilities).toEqual(["DEMO", "PG&E", "SCE", "SDG&E", "SMT"])
    expect(result.readings).toBe(byStart.size)
    expect(result.wh).toBeCloseTo([...byStart.values()].reduce((s, v) => s + v, 0), 6)
  })

  it("the CLI runs as `npx @meterbridge/greenbutton` from the installed tarball on Node 22", () => {
    const out = run("npx", ["@meterbridge/greenbutton", "summarize", fixture], scratch, withNode22())
    const summary = JSON.parse(out) as ReadonlyArray<{ readonly readingCount: number }>
    const xml = readFileSync(fixture, "utf8")
    const starts = new Set([...xml.matchAll(/<IntervalReading>[\s\S]*?<start>(\d+)<\/start>/g)].map((m) => m[1]))
    expect(summary.reduce((s, u) => s + u.readingCount, 0)).toBe(starts.size)
  })

  it("with hono added, DEMO's sandbox (./sandbox) serves DEMO's collector what its dataset says", () => {
    const demo = packed("@meterbridge/adapter-demo")
    const hono = (name: string) => `${name}@${demo.peerDependencies?.[name] ?? demo.devDependencies![name]}`
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", hono("hono"), hono("@hono/node-server")], scratch)
    writeFileSync(join(scratch, "demo.mjs"), readFileSync(join(here, "test/scratch/demo.mjs")))
    const { collected, expected } = JSON.parse(runNode22(["demo.mjs"]))
    expect(expected.count).toBe(45 * 96)
    expect(collected.count).toBe(expected.count)
    expect(collected.kWh).toBeCloseTo(expected.kWh, 6)
  })

  it("the same imports bundle with esbuild for a Worker (browser platform, Node built-ins left to nodejs_compat)", async () => {
    const result = await build({
      stdin: {
        contents: [
          `export * from "@meterbridge/greenbutton"`,
          `export * as core from "@meterbridge/core"`,
          `export * as demo from "@meterbridge/adapter-demo"`,
          `export * as pge from "@meterbridge/adapter-pge"`,
          `export * as sce from "@meterbridge/adapter-sce"`,
          `export * as sdge from "@meterbridge/adapter-sdge"`,
          `export * as smt from "@meterbridge/adapter-smt"`,
          `export * as webhooks from "@meterbridge/webhooks"`
        ].join("\n"),
        resolveDir: scratch,
        loader: "js"
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      external: ["undici", ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
      metafile: true,
      write: false,
      logLevel: "silent"
    })
    // What a Worker loads at startup: everything reachable from the entry without going through an `import()`.
    const inputs = result.metafile.inputs
    const loaded = new Set<string>()
    const externals = new Set<string>()
    const visit = (file: string) => {
      if (loaded.has(file)) return
      loaded.add(file)
      for (const i of inputs[file]?.imports ?? []) {
        if (i.kind === "dynamic-import") continue
        if (i.external) externals.add(i.path)
        else visit(i.path)
      }
    }
    visit("<stdin>")
    // Only `stream`, which Workers provide with nodejs_compat. The mutual-TLS paths (greenbutton's undici Agent for
    // PG&E, SMT's node:https) are Node-only and sit behind an `import()` taken only when a certificate is configured.
    expect(externals).toEqual(new Set(["stream", "node:stream"]))
    const lazy = Object.values(inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path))
    expect(new Set(lazy)).toEqual(new Set(["stream", "node:stream", "undici", "node:https"]))
  })
})
