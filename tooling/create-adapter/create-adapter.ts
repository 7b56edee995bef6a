/**
 * `pnpm create-adapter <id> [--utility ID] [--name "Full name"] [--time-zone Area/City]
 *   [--authorization-url URL --token-url URL --resource-url URL]`
 *
 * Scaffolds `packages/adapter-<id>`: a Green Button Connect My Data collector
 * (the shared ConnectCollector with this utility's profile), a sandbox Data
 * Custodian, its registration (settings `<ID>_CLIENT_ID` / `<ID>_CLIENT_SECRET`,
 * test mode otherwise), a README and a test that runs the shared Collector
 * suite — green out of the box. Then it registers the package with the server:
 * the adapter's one line in apps/api/src/server/adapterList.ts. Run
 * `pnpm install` afterwards: it links the new package into apps/api, which
 * depends on every `packages/adapter-*` (see .pnpmfile.cjs).
 *
 * Green Button Connect is the template because it is what US utilities
 * offer third parties; a utility with another protocol keeps the layout and
 * replaces the collector and sandbox (see packages/adapter-smt).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"

const root = join(import.meta.dirname, "../..")

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    utility: { type: "string" },
    name: { type: "string" },
    "time-zone": { type: "string", default: "America/New_York" },
    "authorization-url": { type: "string" },
    "token-url": { type: "string" },
    "resource-url": { type: "string" },
    "no-register": { type: "boolean", default: false }
  }
})

const fail = (message: string): never => {
  console.error(`create-adapter: ${message}`)
  process.exit(1)
}

const id = positionals[0] ?? fail("usage: pnpm create-adapter <id> (lowercase letters and digits, e.g. coned)")
if (!/^[a-z][a-z0-9]{1,19}$/.test(id)) fail(`"${id}" is not an id: 2-20 lowercase letters and digits, starting with a letter`)
const utility = values.utility ?? id.toUpperCase()
const fullName = values.name ?? utility
const Name = id.charAt(0).toUpperCase() + id.slice(1)
const PREFIX = id.toUpperCase()
const dir = join(root, "packages", `adapter-${id}`)
if (existsSync(dir)) fail(`packages/adapter-${id} exists already`)

const base = values["resource-url"]?.replace(/\/espi\/1_1\/resource\/?$/, "") ?? `https://${id}.example.com/DataCustodian`
const endpoints = {
  authorizationUrl: values["authorization-url"] ?? `${base}/oauth/authorize`,
  tokenUrl: values["token-url"] ?? `${base}/oauth/token`,
  resourceBaseUrl: values["resource-url"] ?? `${base}/espi/1_1/resource`
}
// A seed of its own, so that each sandbox's synthetic customers differ from the other utilities'.
const seed = [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 10_000, 7)

const files: Record<string, string> = {
  "package.json": JSON.stringify({
    name: `@meterbridge/adapter-${id}`,
    version: "0.0.0",
    description: `${fullName} Green Button Connect My Data for Meterbridge: a Collector and a sandbox Data Custodian.`,
    type: "module",
    license: "MIT",
    repository: { type: "git", url: "git+https://github.com/meterbridge/meterbridge.git", directory: `packages/adapter-${id}` },
    engines: { node: ">=22.19" },
    sideEffects: false,
    exports: { "./package.json": "./package.json", ".": "./src/index.ts", "./sandbox": "./src/sandbox.ts", "./registration": "./src/registration.ts", "./internal/*": null },
    publishConfig: {
      access: "public",
      exports: { "./package.json": "./package.json", ".": "./dist/index.js", "./sandbox": "./dist/sandbox.js", "./registration": "./dist/registration.js", "./internal/*": null }
    },
    files: ["dist", "src"],
    scripts: { build: "rm -rf dist && tsc -p tsconfig.json" },
    dependencies: { "@meterbridge/greenbutton": "workspace:^" },
    peerDependencies: { "@meterbridge/core": "workspace:^", effect: "catalog:", hono: "catalog:" },
    peerDependenciesMeta: { hono: { optional: true } },
    devDependencies: {
      "@hono/node-server": "catalog:",
      "@meterbridge/core": "workspace:^",
      "@meterbridge/testkit": "workspace:^",
      "@types/node": "^24.0.0",
      effect: "catalog:",
      hono: "catalog:",
      vitest: "catalog:"
    }
  }, null, 2) + "\n",
  "tsconfig.json": `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
`,
  "vitest.config.ts": `import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "adapter-${id}", include: ["test/**/*.test.ts"] } })
`,
  "src/index.ts": `export * as ${Name}Collector from "./${Name}Collector.ts"\n`,
  "src/sandbox.ts": `// Its own entry so that the main one imports without hono (an optional peer, needed only to serve the sandbox).
export * as ${Name}Sandbox from "./${Name}Sandbox.ts"
`,
  [`src/${Name}Collector.ts`]: `/**
 * ${fullName}: Green Button Connect My Data as a Meterbridge
 * Collector — the shared Connect collector (\`@meterbridge/greenbutton\`) with
 * this Data Custodian's facts. Its quirks, once known, go here and in the sandbox.
 */
import type { Collector } from "@meterbridge/core"
import { type ConnectCollector, ConnectUtility } from "@meterbridge/greenbutton"

export const UTILITY = ${JSON.stringify(utility)}

/** The Data Custodian's OAuth and ESPI endpoints; a deployment may override them with \`endpoints\`. */
export const PRODUCTION_ENDPOINTS = {
  authorizationUrl: ${JSON.stringify(endpoints.authorizationUrl)},
  tokenUrl: ${JSON.stringify(endpoints.tokenUrl)},
  resourceBaseUrl: ${JSON.stringify(endpoints.resourceBaseUrl)}
}

const utility = ConnectUtility.define({
  utility: UTILITY,
  name: ${JSON.stringify(fullName)},
  endpoints: PRODUCTION_ENDPOINTS,
  timeZone: ${JSON.stringify(values["time-zone"])},
  source: "${id}_green_button_connect"
})

export const info: Collector.CollectorInfo = utility.info
/** Services are named by their UsagePoint id. */
export const serviceId: (usagePoint: { readonly id: string }) => string = utility.serviceId
export const profile: (overrides?: { readonly scope?: string; readonly endpoints?: ConnectCollector.Endpoints }) => ConnectCollector.ConnectProfile = utility.profile
export const make: (options: ConnectUtility.ConnectUtilityOverrides) => Collector.Collector = utility.make
`,
  [`src/${Name}Sandbox.ts`]: `/** A ${fullName} sandbox: the shared Data Custodian with synthetic customers of its own. */
import { DataCustodian, Dataset } from "@meterbridge/greenbutton/sandbox"
import { info, UTILITY } from "./${Name}Collector.ts"

export const SANDBOX_CLIENT_ID = "meterbridge-${id}-sandbox"
export const SANDBOX_CLIENT_SECRET = "${id}-sandbox-secret"

/** \`range\` moves the data in time (e.g. to end today, for a server in test mode); the default is fixed for tests. */
export const dataset = (range: { readonly from?: string; readonly days?: number } = {}): ReadonlyArray<Dataset.SandboxCustomer> =>
  Dataset.generate({ ...range, seed: ${seed} })

export const makeSandbox = (options: Partial<DataCustodian.DataCustodianOptions> = {}): DataCustodian.DataCustodian =>
  DataCustodian.makeDataCustodian({
    utility: UTILITY,
    utilityName: info.name,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    customers: dataset(),
    ...options
  })
`,
  "src/registration.ts": `/**
 * ${utility} in a server (see ConnectRegistration): live with \`${PREFIX}_CLIENT_ID\` and \`${PREFIX}_CLIENT_SECRET\`
 * (and a client certificate \`${PREFIX}_TLS_CERT\` / \`${PREFIX}_TLS_KEY\` if the Data Custodian asks for one);
 * otherwise test mode against the sandbox.
 */
import type { Registration } from "@meterbridge/core"
import { ConnectRegistration } from "@meterbridge/greenbutton"
import * as ${Name}Collector from "./${Name}Collector.ts"
import * as ${Name}Sandbox from "./${Name}Sandbox.ts"

export const registration: Registration.Registration = ConnectRegistration.make({
  utility: ${Name}Collector.UTILITY,
  slug: "${id}",
  prefix: "${PREFIX}",
  live: ${Name}Collector.make,
  collector: ${Name}Collector.make,
  sandbox: { make: ${Name}Sandbox.makeSandbox, dataset: ${Name}Sandbox.dataset, clientId: ${Name}Sandbox.SANDBOX_CLIENT_ID, clientSecret: ${Name}Sandbox.SANDBOX_CLIENT_SECRET }
})
`,
  [`test/${Name}Collector.test.ts`]: `import { suiteHarness } from "@meterbridge/greenbutton/testing"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { ${Name}Collector } from "../src/index.ts"
import { ${Name}Sandbox } from "../src/sandbox.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

CollectorSuite.suite({
  name: "adapter-${id}",
  setup: () =>
    suiteHarness({
      makeSandbox: () => ${Name}Sandbox.makeSandbox(),
      makeCollector: (baseUrl) =>
        ${Name}Collector.make({ baseUrl, clientId: ${Name}Sandbox.SANDBOX_CLIENT_ID, clientSecret: ${Name}Sandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 }),
      serviceId: ${Name}Collector.serviceId,
      window
    })
})
`,
  "README.md": `# @meterbridge/adapter-${id}

${fullName} Green Button Connect My Data as a Meterbridge Collector, with a sandbox Data Custodian for tests and
test mode. Scaffolded by \`pnpm create-adapter ${id}\`.

\`\`\`sh
npm install @meterbridge/adapter-${id} @meterbridge/core effect   # Node ≥ 22.19
npm install hono @hono/node-server   # only to serve the sandbox
\`\`\`

\`\`\`ts
import { ${Name}Collector } from "@meterbridge/adapter-${id}"

const collector = ${Name}Collector.make({
  clientId: process.env.${PREFIX}_CLIENT_ID!,
  clientSecret: process.env.${PREFIX}_CLIENT_SECRET!,
  redirectUri: "https://meterbridge.example.com/api/oauth/callback"
})
\`\`\`

| | |
|---|---|
| Utility ID | \`${utility}\` |
| Access | \`login: "green_button_connect"\`: the customer approves at the Data Custodian |
| Endpoints | authorize \`${endpoints.authorizationUrl}\`, token \`${endpoints.tokenUrl}\`, ESPI \`${endpoints.resourceBaseUrl}\` (override with \`endpoints\`) |
| Server settings | \`${PREFIX}_CLIENT_ID\`, \`${PREFIX}_CLIENT_SECRET\` (optional \`${PREFIX}_TLS_CERT\` / \`${PREFIX}_TLS_KEY\`); none set: test mode against the sandbox |

Tests: \`npx -y -p node@24 -p pnpm@10 -c 'pnpm vitest run packages/adapter-${id}'\` (the shared Collector suite against the sandbox).
`
}

for (const [path, text] of Object.entries(files)) {
  mkdirSync(join(dir, path, ".."), { recursive: true })
  writeFileSync(join(dir, path), text)
}
console.log(`Created packages/adapter-${id} (utility ${utility}).`)

if (!values["no-register"]) {
  // The server's list: the adapter's one line in adapterList.ts. apps/api's dependency on the package comes from
  // .pnpmfile.cjs (every packages/adapter-*), so there is no second place to keep in step.
  const listFile = join(root, "apps/api/src/server/adapterList.ts")
  const line = `export { registration as ${id} } from "@meterbridge/adapter-${id}/registration"`
  const lines = readFileSync(listFile, "utf8").trimEnd().split("\n")
  if (lines.includes(line)) fail(`apps/api/src/server/adapterList.ts already lists ${id}`)
  const header = lines.filter((l) => !l.startsWith("export {"))
  const entries = [...lines.filter((l) => l.startsWith("export {")), line].sort()
  writeFileSync(listFile, [...header, ...entries].join("\n") + "\n")
  console.log(`Registered it in apps/api/src/server/adapterList.ts. Next: pnpm install, then pnpm vitest run packages/adapter-${id}.`)
}
