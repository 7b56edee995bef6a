import type { Collector } from "@meterbridge/core"
import { Effect, Stream } from "effect"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeConnectCollector } from "../../src/connect/ConnectCollector.ts"
import { playCustomer } from "../../src/sandbox/Customer.ts"
import { makeDataCustodian } from "../../src/sandbox/DataCustodian.ts"
import * as Expected from "../../src/sandbox/Expected.ts"
import { customerFromEspi, SeedError } from "../../src/sandbox/Seed.ts"
import { serve, type Served } from "@meterbridge/testkit/serve"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")

describe("a sandbox seeded from a real Green Button file", () => {
  let served: Served
  let collector: Collector.Collector
  let custodian: ReturnType<typeof makeDataCustodian>

  beforeAll(async () => {
    // Three UsagePoints, four MeterReadings of 96 quarter hours each, one meter both delivering and receiving (SOURCES.md).
    const customer = await customerFromEspi(fixture("gba-sample-batch-three-usagepoints-net-metering.xml"))
    custodian = makeDataCustodian({ utility: "TEST", customers: [customer], clientId: "cid", clientSecret: "secret" })
    served = await serve(custodian.app.fetch)
    collector = makeConnectCollector({
      info: {
        utility: "TEST", name: "Test", allows: ["owner"], login: "green_button_connect", options: [[]],
        timeZone: "America/Los_Angeles", capabilities: { bills: false, intervals: true }, historyDays: 30
      },
      endpoints: { authorizationUrl: "", tokenUrl: "", resourceBaseUrl: "" },
      scope: "FB=1_3_4_5;IntervalDuration=900;BlockDuration=daily;HistoryLength=86400",
      serviceId: (up) => up.id
    }, { baseUrl: served.url, clientId: "cid", clientSecret: "secret" })
  })
  afterAll(() => served.close())

  it("keeps every UsagePoint, channel and reading of the file", () => {
    const [customer] = custodian.dataset
    expect(customer!.usagePoints).toHaveLength(3)
    const channels = customer!.usagePoints.flatMap((up) => up.channels)
    expect(channels).toHaveLength(4)
    expect(channels.map((c) => c.blocks.reduce((s, b) => s + b.readings.length, 0))).toEqual([96, 96, 96, 96])
    expect(customer!.usagePoints[0]!.channels.map((c) => c.flow)).toEqual(["delivered", "received"])
  })

  it("serves it to the Connect collector: the day's 384 quarter hours, each once", async () => {
    const pending = await Effect.runPromise(collector.authorize({}, { accountUid: "a", callbackUrl: "http://127.0.0.1:9/cb", registration: "live" }))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const auth = await Effect.runPromise(collector.resumeAuthorization!(pending.grant, await playCustomer(pending.url!)))
    const services = await Effect.runPromise(collector.listServices(auth.grant))
    expect(services).toHaveLength(3)
    const window = { start: Date.UTC(2011, 5, 6) * 1000, end: Date.UTC(2011, 5, 8) * 1000 }
    let total = 0
    for (const service of services) {
      const intervals = Array.from(await Effect.runPromise(Stream.runCollect(collector.collectIntervals(auth.grant, service, window))))
      total += intervals.length
      const up = Expected.usagePoint(custodian.dataset, service.utility_service_id, (u) => u.id)
      for (const flow of ["delivered", "received"] as const) {
        const mine = intervals.filter((i) => i.flow === flow)
        expect(mine.length).toBe(Expected.intervals(up, window, flow).count)
        expect(mine.reduce((s, i) => s + i.interval_kWh!, 0)).toBeCloseTo(Expected.intervals(up, window, flow).totalKWh, 6)
      }
    }
    expect(total).toBe(384)
  })

  it("turns a PG&E UsageSummary feed into bills with its line items", async () => {
    const customer = await customerFromEspi(fixture("pge-api-usagesummaries-line-items.xml"))
    const bills = customer.usagePoints.flatMap((up) => up.bills)
    expect(bills).toHaveLength(3)
    // The newest period: billLastPeriod 23364000 / 100000 = $233.64, with five cost details.
    const newest = bills.at(-1)!
    expect(newest.totalCents).toBe(23364)
    expect(newest.lineItems).toHaveLength(5)
  })

  it("refuses a file with nothing to serve", async () => {
    await expect(customerFromEspi("<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>")).rejects.toThrow(SeedError)
  })
})
