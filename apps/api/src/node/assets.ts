/**
 * The Node reader of the pages' static files: the installed npm packages'
 * browser bundles (uPlot, Scalar's standalone reference) and the dashboard's
 * own scripts, read once per reader and kept in memory.
 */
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Asset, AssetName, Assets } from "../shared/Assets.ts"

const require = createRequire(import.meta.url)
const client = (file: string) => fileURLToPath(new URL(`../web/dashboard/client/${file}`, import.meta.url))

const JS = "text/javascript; charset=utf-8"
const files: Record<AssetName, () => readonly [string, string]> = {
  "uplot.js": () => [require.resolve("uplot/dist/uPlot.iife.min.js"), JS],
  "uplot.css": () => [require.resolve("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
  // The package exports no path to its browser bundle: it sits beside the ESM entry.
  "scalar.js": () => [join(dirname(require.resolve("@scalar/api-reference")), "browser", "standalone.js"), JS],
  "dashboard.js": () => [client("chart.js"), JS],
  "docs.js": () => [client("docs.js"), JS]
}

/** A reader with its own memory of the files read: one per app (the server's, each test's), none shared at module level. */
export const nodeAssets = (): Assets => {
  const cache = new Map<AssetName, Promise<Asset>>()
  return (name) => {
    let asset = cache.get(name)
    if (asset === undefined) {
      const [path, type] = files[name]()
      asset = readFile(path).then((body) => ({ body: new Uint8Array(body), type }))
      cache.set(name, asset)
    }
    return asset
  }
}
