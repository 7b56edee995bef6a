import { suiteHarness } from "@meterbridge/greenbutton/testing"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { PgeCollector } from "../src/index.ts"
import { PgeSandbox } from "../src/sandbox.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

CollectorSuite.suite({
  name: "adapter-pge",
  setup: () =>
    suiteHarness({
      makeSandbox: () => PgeSandbox.makeSandbox(),
      makeCollector: (baseUrl) =>
        PgeCollector.make({ baseUrl, clientId: PgeSandbox.SANDBOX_CLIENT_ID, clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 }),
      /** PG&E names services by SAID, which is the UsagePoint id. */
      serviceId: (up: { readonly id: string }) => up.id,
      window
    })
})
