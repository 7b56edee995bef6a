/**
 * Checks that dependencies point one way: app → store, adapters, core;
 * adapters → greenbutton → core; store → core. Core imports no workspace
 * package and no Node built-in (it must run on Bun and Workers too), and an
 * adapter never imports the store or the app.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("../..", import.meta.url).pathname

/** Which workspace packages each package may import. */
const allowed: Record<string, (name: string) => boolean> = {
  core: () => false,
  testkit: (n) => n === "core",
  "store-kysely": (n) => n === "core" || n === "testkit",
  greenbutton: (n) => n === "core" || n === "testkit",
  webhooks: (n) => n === "core",
  client: (n) => n === "webhooks",
  api: (n) => n !== "api"
}
const adapterRule = (n: string) => n === "core" || n === "greenbutton" || n === "testkit"

const files = (dir: string): Array<string> => {
  const out: Array<string> = []
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist") continue
    const p = join(dir, entry)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (p.endsWith(".ts")) out.push(p)
  }
  return out
}

/**
 * In apps/api each runtime's APIs stay in its own files (paths relative to src/):
 * Node in `main.node.ts`, `cli.ts`, `node/`; Bun in `main.bun.ts`, `bun/` (Bun
 * implements the `node:` built-ins, so Bun files may use them and Node modules
 * that need nothing else); Workers in `main.workers.ts`, `workers/`. Everything
 * else is the runtime-neutral app and its startup (`server/`).
 */
type Runtime = "node" | "bun" | "workers" | "neutral"
const runtimeOf = (path: string): Runtime =>
  path === "main.node.ts" || path === "cli.ts" || path.startsWith("node/") ? "node"
  : path === "main.bun.ts" || path.startsWith("bun/") ? "bun"
  : path === "main.workers.ts" || path.startsWith("workers/") ? "workers"
  : "neutral"
const NODE_BUILTIN = /^(node:|fs$|path$|crypto$|os$|zlib$|child_process$)/
/** Packages that load only on Node (a native addon, Node's HTTP server). */
const NODE_PACKAGES = /^(@hono\/node-server|better-sqlite3|@meterbridge\/store-kysely\/sqlite)$/
/** What a file of each runtime may import, beyond runtime-neutral code. */
const mayImport: Record<Runtime, (spec: string) => boolean> = {
  node: (spec) => !/^(bun:|cloudflare:)/.test(spec),
  bun: (spec) => !NODE_PACKAGES.test(spec) && !spec.startsWith("cloudflare:"),
  workers: (spec) => spec.startsWith("cloudflare:") || !(NODE_BUILTIN.test(spec) || NODE_PACKAGES.test(spec) || spec.startsWith("bun:")),
  neutral: (spec) => !(NODE_BUILTIN.test(spec) || NODE_PACKAGES.test(spec) || /^(pg$|bun:|cloudflare:)/.test(spec))
}
/** Which runtimes' modules a file of each runtime may import. */
const mayUse: Record<Runtime, ReadonlyArray<Runtime>> = { node: ["node", "neutral"], bun: ["bun", "node", "neutral"], workers: ["workers", "neutral"], neutral: ["neutral"] }
const GLOBALS: Record<Runtime, RegExp | undefined> = {
  node: undefined,
  bun: undefined,
  workers: /\b(process|Buffer|__dirname|require|Bun)\b\s*[.(]/,
  neutral: /\b(process|Buffer|__dirname|require|Bun)\b\s*[.(]/
}

const problems: Array<string> = []
for (const group of ["packages", "apps"]) {
  for (const pkg of readdirSync(join(root, group))) {
    const dir = join(root, group, pkg)
    if (!statSync(dir).isDirectory()) continue
    const rule = allowed[pkg] ?? (pkg.startsWith("adapter-") ? adapterRule : undefined)
    if (!rule) continue
    for (const file of files(join(dir, "src"))) {
      const text = readFileSync(file, "utf8")
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        const spec = m[1]!
        const ws = /^@meterbridge\/([^/]+)/.exec(spec)
        if (ws && ws[1] !== pkg && !rule(ws[1]!)) problems.push(`${relative(root, file)} imports ${spec}`)
        if ((pkg === "core" || pkg === "client") && /^(node:|fs$|path$|crypto$|os$|child_process$)/.test(spec)) {
          problems.push(`${relative(root, file)} imports the Node built-in ${spec}; ${pkg} must stay runtime-neutral`)
        }
      }
      if (pkg === "core" && /\b(process|Buffer|__dirname|require)\b\s*[.(]/.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
        problems.push(`${relative(root, file)} uses a Node global; core must stay runtime-neutral`)
      }
      if (pkg === "api") {
        const here = relative(join(dir, "src"), file)
        const runtime = runtimeOf(here)
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
          const spec = m[1]!
          if (!spec.startsWith(".") && !mayImport[runtime](spec)) {
            problems.push(`${relative(root, file)} imports ${spec}; a ${runtime} module may not (see tooling/lint/check-boundaries.ts)`)
          }
          if (spec.startsWith(".")) {
            const target = runtimeOf(relative(join(dir, "src"), join(file, "..", spec)))
            if (!mayUse[runtime].includes(target)) problems.push(`${relative(root, file)} imports the ${target}-only module ${spec}; a ${runtime} module may not`)
          }
        }
        const globals = GLOBALS[runtime]
        if (globals && globals.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
          problems.push(`${relative(root, file)} uses a Node or Bun global; a ${runtime} module may not`)
        }
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Dependency boundaries broken:\n  ${problems.join("\n  ")}`)
  process.exit(1)
}
console.log("Dependency boundaries: ok")
