/** DEMO in a server: no settings, always its in-process sandbox (the quick start works offline). */
import { Registration } from "@meterbridge/core"
import * as DemoCollector from "./DemoCollector.ts"
import * as DemoSandbox from "./DemoSandbox.ts"

export const registration = Registration.make<never>({
  utility: "DEMO",
  slug: "demo",
  settings: Registration.noSettings,
  live: (settings) => settings,
  testMode: () => ({ app: DemoSandbox.makeSandbox().app, collector: (baseUrl, fetch) => DemoCollector.make({ baseUrl, fetch }) })
})
