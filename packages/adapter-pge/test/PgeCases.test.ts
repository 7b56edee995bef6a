/** PG&E behaviours beyond the shared suite: the Connect cases every Green Button adapter shares, notifications, test mode. */
import type { Collector } from "@meterbridge/core"
import { Notification } from "@meterbridge/greenbutton"
import { Customer } from "@meterbridge/greenbutton/sandbox"
import { connectCases, useConnectSandbox } from "@meterbridge/greenbutton/testing"
import { serve, type Served } from "@meterbridge/testkit/serve"
import { Effect } from "effect"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgeCollector } from "../src/index.ts"
import { PgeSandbox } from "../src/sandbox.ts"

const context: Collector.AuthorizeContext = { accountUid: "a", callbackUrl: "http://127.0.0.1:9/api/oauth/callback", registration: "live" }

describe("PG&E Share My Data", () => {
  const notified: Array<ReadonlyArray<string>> = []
  let receiver: Served
  // Registered before the sandbox's own hook, so the receiver is listening when the sandbox is made.
  beforeAll(async () => {
    receiver = await serve(Notification.notificationHandler((uris) => notified.push(uris)))
  })
  afterAll(async () => {
    await receiver.close()
  })
  const h = useConnectSandbox({
    makeSandbox: () => PgeSandbox.makeSandbox({ thirdPartyNotifyUri: receiver.url, accessTokenSeconds: 3600 }),
    makeCollector: (baseUrl) =>
      PgeCollector.make({ baseUrl, clientId: PgeSandbox.SANDBOX_CLIENT_ID, clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET, timeoutMs: 5_000 })
  })
  connectCases(h, { utility: "PG&E", retryAfterMs: 7_000 })

  it("asks the customer to approve at PG&E, then tells the third party its data is ready", async () => {
    const pending = await Effect.runPromise(h.collector.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    expect(pending.message).toBe("Waiting for the customer to approve access at PG&E")
    const before = notified.length
    const grant = await h.authorize()
    for (let i = 0; i < 50 && notified.length === before; i++) await new Promise((r) => setTimeout(r, 10))
    expect(notified.at(-1)).toEqual([grant["subscriptionUri"]])
  })

  it("lists SAIDs with the meter, tariff and account of each service point", async () => {
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
    expect(services.every((s) => /^\d{10}$/.test(s.utility_service_id))).toBe(true)
  })


  it("runs in test mode mounted under a path prefix, as the API serves sandboxes", async () => {
    const mounted = PgeSandbox.makeSandbox()
    const host = await serve(new Hono().mount("/sandbox/pge", mounted.app.fetch).fetch)
    try {
      const test = PgeCollector.make({
        baseUrl: `${host.url}/sandbox/pge`,
        clientId: PgeSandbox.SANDBOX_CLIENT_ID,
        clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET
      })
      const pending = await Effect.runPromise(test.authorize({}, context))
      if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
      expect(pending.url!.startsWith(`${host.url}/sandbox/pge/oauth/authorize?`)).toBe(true)
      const auth = await Effect.runPromise(test.resumeAuthorization!(pending.grant, await Customer.playCustomer(pending.url!)))
      if (auth._tag !== "Authorized") throw new Error("expected Authorized")
      const services = await Effect.runPromise(test.listServices(auth.grant))
      expect(services.map((s) => s.utility_service_id)).toEqual(["3000000001", "3000000002"])
    } finally {
      await host.close()
    }
  })
})
