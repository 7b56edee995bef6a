import { suiteHarness } from "@meterbridge/greenbutton/testing"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { SceCollector } from "../src/index.ts"
import { SceSandbox } from "../src/sandbox.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

CollectorSuite.suite({
  name: "adapter-sce",
  setup: () =>
    suiteHarness({
      makeSandbox: () => SceSandbox.makeSandbox(),
      makeCollector: (baseUrl) =>
        SceCollector.make({ baseUrl, clientId: SceSandbox.SANDBOX_CLIENT_ID, clientSecret: SceSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 }),
      /** SCE names services by service account number, which is the UsagePoint id. */
      serviceId: (up: { readonly id: string }) => up.id,
      window
    })
})
