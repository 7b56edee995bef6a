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

/** In apps/api, what may use Node: its entrypoints and the node/ folder (paths relative to src/). */
const nodeOnly = (path: string) => path === "main.node.ts" || path === "cli.ts" || path.startsWith("node/")

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
      if (pkg === "api" && !nodeOnly(relative(join(dir, "src"), file))) {
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
          const spec = m[1]!
          if (/^(node:|fs$|path$|crypto$|os$|zlib$|child_process$|@hono\/node-server|better-sqlite3|pg$)/.test(spec)) {
            problems.push(`${relative(root, file)} imports ${spec}; only the Node entrypoints (main.node.ts, cli.ts, node/) may`)
          }
          if (spec.startsWith(".") && nodeOnly(relative(join(dir, "src"), join(file, "..", spec)))) {
            problems.push(`${relative(root, file)} imports the Node-only module ${spec}; the app factory must stay runtime-neutral`)
          }
        }
        if (/\b(process|Buffer|__dirname|require)\b\s*[.(]/.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
          problems.push(`${relative(root, file)} uses a Node global; only the Node entrypoints may`)
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
