/** SDG&E behaviours beyond the shared suite: the Connect cases every Green Button adapter shares, and SDG&E's quirks. */
import { connectCases, useConnectSandbox } from "@meterbridge/greenbutton/testing"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { SdgeCollector } from "../src/index.ts"
import { SdgeSandbox } from "../src/sandbox.ts"

describe("SDG&E Green Button Connect", () => {
  const h = useConnectSandbox({
    makeSandbox: () => SdgeSandbox.makeSandbox({ accessTokenSeconds: 3600 }),
    makeCollector: (baseUrl) =>
      SdgeCollector.make({ baseUrl, clientId: SdgeSandbox.SANDBOX_CLIENT_ID, clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 })
  })
  connectCases(h, { utility: "SDG&E", retryAfterMs: 7_000 })

  it("names services {account}-{meter} from each UsagePoint's delivery point", async () => {
    const services = await Effect.runPromise(h.collector.listServices(await h.authorize()))
    const [home] = h.sandbox.dataset[0]!.usagePoints
    expect(services[0]).toEqual({
      utility_service_id: `${home!.account}-${home!.meter}`,
      utility_tariff_name: home!.tariff,
      utility_service_address: home!.address,
      utility_billing_account: home!.account,
      utility_billing_contact: null,
      utility_billing_address: null,
      utility_meter_number: home!.meter
    })
    expect(services.map((s) => s.utility_service_id)).toEqual(["0012345678-06543210", "0012345679-06543211"])
  })


  it("needs SDG&E's endpoints from configuration outside test mode", () => {
    expect(() => SdgeCollector.make({ clientId: "id", clientSecret: "secret" })).toThrow(SdgeCollector.MissingEndpoints)
    expect(SdgeCollector.serviceId({ id: "opaque", href: "h", deliveryPoint: { customerAgreement: "0012", name: "0654" } })).toBe("0012-0654")
    expect(SdgeCollector.serviceId({ id: "opaque", href: "h", deliveryPoint: { customerAgreement: "0012" } })).toBe("0012")
  })
})
