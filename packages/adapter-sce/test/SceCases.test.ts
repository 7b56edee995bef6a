/** SCE behaviours beyond the shared suite: the Connect cases every Green Button adapter shares, and SCE's quirks. */
import { Expected } from "@meterbridge/greenbutton/sandbox"
import { connectCases, collect, useConnectSandbox, us } from "@meterbridge/greenbutton/testing"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { SceCollector } from "../src/index.ts"
import { SceSandbox } from "../src/sandbox.ts"

describe("SCE Green Button Connect", () => {
  const h = useConnectSandbox({
    makeSandbox: () => SceSandbox.makeSandbox({ accessTokenSeconds: 3600 }),
    makeCollector: (baseUrl) =>
      SceCollector.make({ baseUrl, clientId: SceSandbox.SANDBOX_CLIENT_ID, clientSecret: SceSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 })
  })
  connectCases(h, { utility: "SCE", retryAfterMs: 7_000 })

  it("lists service account numbers with the meter, tariff and account of each service point", async () => {
    const services = await Effect.runPromise(h.collector.listServices(await h.authorize()))
    const [home] = h.sandbox.dataset[0]!.usagePoints
    expect(services[0]).toEqual({
      utility_service_id: home!.id,
      utility_tariff_name: home!.tariff,
      utility_service_address: home!.address,
      utility_billing_account: home!.account,
      utility_billing_contact: null,
      utility_billing_address: null,
      utility_meter_number: home!.meter
    })
    expect(services.every((s) => /^\d-\d{3}-\d{4}-\d{2}$/.test(s.utility_service_id))).toBe(true)
  })


  it("drops the reading SCE repeats at the end of every daily block", async () => {
    const grant = await h.authorize()
    const [home] = await Effect.runPromise(h.collector.listServices(grant))
    const window = { start: us(2024, 6, 1), end: us(2024, 6, 8) }
    const raw = await fetch(`${h.baseUrl}/espi/1_1/resource/Batch/Subscription/${String(grant["subscriptionUri"]).split("/").pop()}/UsagePoint/${home!.utility_service_id}?published-min=2024-06-01T00:00:00Z&published-max=2024-06-08T00:00:00Z`, {
      headers: { authorization: `Bearer ${String(grant["accessToken"])}` }
    }).then((r) => r.text())
    const blocks = raw.split("<espi:IntervalBlock>").slice(1)
    expect(blocks.every((b) => b.split("<espi:IntervalReading>").length - 1 === 25)).toBe(true)
    const intervals = await collect(h.collector.collectIntervals(grant, home!, window))
    const up = h.sandbox.dataset[0]!.usagePoints[0]!
    expect(intervals.filter((i) => i.flow === "delivered")).toHaveLength(Expected.intervals(up, window, "delivered").count)
    expect(intervals.filter((i) => i.flow === "received")).toHaveLength(Expected.intervals(up, window, "received").count)
    expect(new Set(intervals.map((i) => `${i.flow}/${i.interval_start}`)).size).toBe(intervals.length)
  })
})
