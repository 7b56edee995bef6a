/** The shared Collector conformance suite, against the SMT sandbox over loopback. */
import * as CollectorSuite from "@meterbridge/testkit/collector"
import { Timestamp } from "@meterbridge/core"
import { DEFAULT_METERS } from "../src/SmtSandbox.ts"
import { clickEmailLink, startSandbox } from "./serve.ts"

const solar = DEFAULT_METERS.find((m) => m.solar && !m.test)!

CollectorSuite.suite({
  name: "adapter-smt",
  setup: async (): Promise<CollectorSuite.Harness> => {
    const { sandbox, collector, close } = await startSandbox({ odrDelayMs: 50 })
    const toMs = Timestamp.toMillis
    return {
      collector: collector(),
      // The solar meter, so both flows are collected and compared.
      validAccess: { esiid: solar.esiid, meter_number: solar.meterNumber, rep: "TXU Energy (10004)", email: "jane@example.com" },
      invalidAccess: { esiid: "12345", meter_number: "1", rep: "x", email: "jane@example.com" },
      context: { registration: "live" },
      consent: async (pending) => {
        await clickEmailLink(sandbox, pending.reference)
        return undefined
      },
      // 2024-02-20 → 2024-04-10 local: crosses the spring-forward day and two billing cycles.
      window: { start: Timestamp.fromMillis(Date.UTC(2024, 1, 20, 6)), end: Timestamp.fromMillis(Date.UTC(2024, 3, 10, 5)) },
      expected: {
        services: [{ utility_service_id: solar.esiid }],
        intervals: (id, window, flow) => {
          const list = sandbox.dataset.intervals(id, { startMs: toMs(window.start), endMs: toMs(window.end) }, flow)
          return { count: list.length, totalKWh: list.reduce((s, r) => s + r.kWh, 0) }
        },
        bills: (id, window) => {
          // A bill belongs to the window when its usage (local midnight to midnight) overlaps it.
          const midnight = (d: { year: number; month: number; day: number }) => {
            // The offset at midnight is the one in force by the previous day's 12:00 UTC (clocks change at 02:00 local).
            const probe = Date.UTC(d.year, d.month - 1, d.day) - 12 * 3_600_000
            const offsetH = new Intl.DateTimeFormat("en-US", { timeZone: "America/Chicago", timeZoneName: "shortOffset" })
              .formatToParts(new Date(probe)).find((p) => p.type === "timeZoneName")!.value === "GMT-5" ? 5 : 6
            return Date.UTC(d.year, d.month - 1, d.day, offsetH)
          }
          const bills = sandbox.dataset.bills(id)
            .filter((b) => midnight(b.endDate) > toMs(window.start) && midnight(b.startDate) < toMs(window.end))
          return { count: bills.length, totalKWh: bills.reduce((s, b) => s + b.kWh, 0) }
        }
      },
      faults: { set: (fault) => sandbox.faults.set(fault) },
      close
    }
  }
})
