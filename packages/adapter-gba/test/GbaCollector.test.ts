import { suiteHarness } from "@meterbridge/greenbutton/testing"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { GbaCollector } from "../src/index.ts"
import { GbaSandbox } from "../src/sandbox.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

CollectorSuite.suite({
  name: "adapter-gba",
  setup: () =>
    suiteHarness({
      makeSandbox: () => GbaSandbox.makeSandbox(),
      makeCollector: (baseUrl) =>
        GbaCollector.make({ baseUrl, clientId: GbaSandbox.SANDBOX_CLIENT_ID, clientSecret: GbaSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 }),
      serviceId: GbaCollector.serviceId,
      window
    })
})
