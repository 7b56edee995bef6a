import * as CollectorSuite from "@meterbridge/testkit/collector"
import { serve } from "@meterbridge/testkit/serve"
import { Timestamp } from "@meterbridge/core"
import { DemoCollector } from "../src/index.ts"
import { DemoSandbox } from "../src/sandbox.ts"

/** Sums what the dataset says the portal serves, independently of the collector. */
const usage = (sandbox: DemoSandbox.Sandbox, id: string, window: { start: number; end: number }, now: number) => {
  const service = sandbox.dataset.services.find((s) => s.utility_service_id === id)!
  const from = Math.ceil(window.start / 1e6 / 900) * 900
  const to = Math.min(Math.floor(window.end / 1e6), now)
  let count = 0
  let wh = 0
  for (let t = from; t + 900 <= to; t += 900) {
    count++
    wh += sandbox.dataset.slotWh(service, t)
  }
  return { count, totalKWh: wh / 1000 }
}

CollectorSuite.suite({
  name: "adapter-demo",
  setup: async () => {
    const now = Math.floor(Date.UTC(2025, 6, 1) / 1000)
    const sandbox = DemoSandbox.makeSandbox({ now: () => now })
    const served = await serve(sandbox.app.fetch)
    const window = { start: Timestamp.fromSeconds(now - 75 * 86_400), end: Timestamp.fromSeconds(now) }
    return {
      collector: DemoCollector.make({ baseUrl: served.url }),
      validAccess: { utility_username: "test", utility_password: "test" },
      invalidAccess: { utility_username: "test", utility_password: "wrong" },
      window,
      expected: {
        services: sandbox.dataset.services,
        bills: (id, w) => {
          const service = sandbox.dataset.services.find((s) => s.utility_service_id === id)!
          const bills = sandbox.dataset.bills(service, w.start / 1e6, w.end / 1e6, now)
          return { count: bills.length, totalKWh: bills.reduce((s, b) => s + b.totalKWh, 0) }
        },
        intervals: (id, w, flow) => (flow === "delivered" ? usage(sandbox, id, w, now) : { count: 0, totalKWh: 0 })
      },
      faults: sandbox.faults,
      close: served.close
    }
  }
})
