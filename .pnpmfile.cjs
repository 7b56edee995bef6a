/**
 * The API serves every utility adapter in this workspace: `apps/api` depends
 * on each `packages/adapter-*` package, added here rather than written in its
 * package.json. Adding a utility is therefore its own package plus its one
 * line in apps/api/src/server/adapterList.ts (`pnpm create-adapter <id>`
 * writes both), then `pnpm install`.
 */
const { existsSync, readdirSync, readFileSync } = require("node:fs")
const { join } = require("node:path")

const packagesDir = join(__dirname, "packages")

const adapterPackages = () =>
  readdirSync(packagesDir)
    .filter((dir) => dir.startsWith("adapter-") && existsSync(join(packagesDir, dir, "package.json")))
    .map((dir) => JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")).name)
    .sort()

module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name !== "@meterbridge/api") return pkg
      const dependencies = { ...pkg.dependencies }
      for (const name of adapterPackages()) dependencies[name] ??= "workspace:^"
      return { ...pkg, dependencies }
    }
  }
}
