import { suiteHarness } from "@meterbridge/greenbutton/testing"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { SdgeCollector } from "../src/index.ts"
import { SdgeSandbox } from "../src/sandbox.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

CollectorSuite.suite({
  name: "adapter-sdge",
  setup: () =>
    suiteHarness({
      makeSandbox: () => SdgeSandbox.makeSandbox(),
      makeCollector: (baseUrl) =>
        SdgeCollector.make({ baseUrl, clientId: SdgeSandbox.SANDBOX_CLIENT_ID, clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 }),
      /** SDG&E names services `{account}-{meter}`. */
      serviceId: (up: { readonly account: string; readonly meter: string }) => `${up.account}-${up.meter}`,
      window
    })
})
