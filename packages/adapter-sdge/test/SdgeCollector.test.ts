import { playCustomer } from "@meterbridge/greenbutton/sandbox/Customer"
import * as Expected from "@meterbridge/greenbutton/sandbox/Expected"
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { serve } from "@meterbridge/testkit/serve"
import { SdgeCollector, SdgeSandbox } from "../src/index.ts"

/** Spring 2024 across the DST change, longer than one 31-day request slice. */
export const window = { start: Date.UTC(2024, 2, 1) * 1000, end: Date.UTC(2024, 3, 15) * 1000 }

/** SDG&E names services `{account}-{meter}`. */
const said = (up: { readonly account: string; readonly meter: string }) => `${up.account}-${up.meter}`

CollectorSuite.suite({
  name: "adapter-sdge",
  setup: async () => {
    const sandbox = SdgeSandbox.makeSandbox()
    const served = await serve(sandbox.app.fetch)
    const collector = SdgeCollector.make({
      baseUrl: served.url,
      clientId: SdgeSandbox.SANDBOX_CLIENT_ID,
      clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET,
      timeoutMs: 5_000
    })
    const customers = sandbox.dataset
    return {
      collector,
      validAccess: {},
      // The customer named by the hint does not exist, so at the consent page they decline.
      invalidAccess: { utility_username: "nobody" },
      consent: (pending) => {
        const hint = new URL(pending.url!).searchParams.get("login_hint")
        return playCustomer(pending.url!, { approve: hint === null || customers.some((c) => c.username === hint) })
      },
      window,
      expected: {
        services: customers.flatMap((c) => c.usagePoints.map((up) => ({ utility_service_id: said(up) }))),
        bills: (id, w) => Expected.bills(Expected.usagePoint(customers, id, said), w),
        intervals: (id, w, flow) => Expected.intervals(Expected.usagePoint(customers, id, said), w, flow)
      },
      faults: sandbox.faults,
      close: served.close
    }
  }
})
