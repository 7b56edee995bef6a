/** Collecting over the sandbox: DST days, request splitting, bills, daily and on-demand reads, and faults. */
import { Effect, Exit, Stream } from "effect"
import { type Collector, type CollectorError, Timestamp } from "@meterbridge/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_METERS } from "../src/SmtSandbox.ts"
import { clickEmailLink, startSandbox } from "./serve.ts"

const solar = DEFAULT_METERS.find((m) => m.solar && !m.test)!
const iso = (t: number) => new Date(t / 1000).toISOString()
const utc = (s: string) => Timestamp.fromMillis(Date.parse(s))

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (fail?._tag !== "Fail") throw new Error("expected a typed failure, got a defect")
  return fail.error
}

let env: Awaited<ReturnType<typeof startSandbox>>
let grant: Collector.Grant
let service: { utility_service_id: string; utility_service_address: string | null; utility_meter_number: string | null }
const requests: Array<{ path: string; body: Record<string, unknown> }> = []
/** A fetch that records what the collector asks SMT. */
const recording: typeof fetch = async (input, init) => {
  requests.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)) })
  return fetch(input, init)
}

beforeAll(async () => {
  env = await startSandbox({ odrDelayMs: 120 })
  const c = env.collector()
  const auth = await Effect.runPromise(c.authorize(
    { esiid: solar.esiid, meter_number: solar.meterNumber, rep: "Reliant (10007)", email: "sun@example.com" },
    { accountUid: "a", callbackUrl: "http://127.0.0.1:9/", registration: "live" }
  ))
  if (auth._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
  await clickEmailLink(env.sandbox, auth.reference)
  const done = await Effect.runPromise(c.resumeAuthorization(auth.grant, undefined))
  grant = done.grant
  service = (await Effect.runPromise(c.listServices(grant)))[0]!
})
afterAll(() => env.close())

const collect = (window: Collector.DateWindow, overrides = {}) =>
  Effect.runPromise(Stream.runCollect(env.collector(overrides).collectIntervals(grant, service, window))).then((c) => Array.from(c))

describe("15-minute reads", () => {
  it("lists the meter with its address from SMT's meter information", () => {
    expect(service).toMatchObject({
      utility_service_id: solar.esiid,
      utility_meter_number: solar.meterNumber,
      utility_service_address: `${solar.address}, ${solar.city}, TX ${solar.zip}`
    })
  })

  it("collects the spring-forward day 2024-03-10 as 92 quarter hours from 06:00Z", async () => {
    const day = await collect({ start: utc("2024-03-10T06:00:00Z"), end: utc("2024-03-11T05:00:00Z") })
    for (const flow of ["delivered", "received"] as const) {
      const starts = day.filter((i) => i.flow === flow).map((i) => i.interval_start).sort((a, b) => a - b)
      expect(starts).toHaveLength(92)
      const want = [
        ...Array.from({ length: 8 }, (_, i) => Date.parse("2024-03-10T06:00:00Z") + i * 900_000),
        ...Array.from({ length: 84 }, (_, i) => Date.parse("2024-03-10T08:00:00Z") + i * 900_000)
      ].map((ms) => new Date(ms).toISOString())
      expect(starts.map(iso)).toEqual(want)
    }
    // The sandbox's own readings, in order, come back unchanged.
    const source = env.sandbox.dataset.day(solar.esiid, { year: 2024, month: 3, day: 10 })!
    const delivered = day.filter((i) => i.flow === "delivered").sort((a, b) => a.interval_start - b.interval_start)
    expect(delivered.map((i) => i.interval_kWh)).toEqual(source.delivered.map((r) => r.kWh))
    expect(delivered.map((i) => i.quality)).toEqual(source.delivered.map((r) => r.quality))
  })

  it("collects the fall-back day 2024-11-03 as 100 quarter hours from 05:00Z to 06:00Z next day", async () => {
    const day = await collect({ start: utc("2024-11-03T05:00:00Z"), end: utc("2024-11-04T06:00:00Z") })
    const starts = day.filter((i) => i.flow === "delivered").map((i) => i.interval_start).sort((a, b) => a - b)
    expect(starts).toHaveLength(100)
    expect(iso(starts[0]!)).toBe("2024-11-03T05:00:00.000Z")
    expect(iso(starts[99]!)).toBe("2024-11-04T05:45:00.000Z")
    expect(starts.every((s, i) => i === 0 || s - starts[i - 1]! === 900_000_000)).toBe(true)
    expect(day.every((i) => i.interval_end - i.interval_start === 900_000_000)).toBe(true)
  })

  it("keeps consumption and surplus generation apart", async () => {
    const day = await collect({ start: utc("2024-07-01T05:00:00Z"), end: utc("2024-07-02T05:00:00Z") })
    const source = env.sandbox.dataset.day(solar.esiid, { year: 2024, month: 7, day: 1 })!
    const sum = (xs: ReadonlyArray<number | null>) => xs.reduce<number>((s, x) => s + (x ?? 0), 0)
    expect(sum(day.filter((i) => i.flow === "received").map((i) => i.interval_kWh))).toBeCloseTo(sum(source.received!.map((r) => r.kWh)), 9)
    expect(sum(day.filter((i) => i.flow === "delivered").map((i) => i.interval_kWh))).toBeCloseTo(sum(source.delivered.map((r) => r.kWh)), 9)
    // A July midday exports: generation is really there.
    expect(sum(source.received!.map((r) => r.kWh))).toBeGreaterThan(1)
  })

  it("splits a long window into requests of the configured size and keeps only intervals inside it", async () => {
    requests.length = 0
    // 100 local days plus a half day at each end.
    const window = { start: utc("2024-01-01T18:00:00Z"), end: utc("2024-04-10T17:00:00Z") }
    const got = await collect(window, { fetch: recording, intervalDaysPerRequest: 31 })
    const reads = requests.filter((r) => r.path === "/15minintervalreads/")
    expect(reads.map((r) => [r.body.startDate, r.body.endDate])).toEqual([
      ["01/01/2024", "01/31/2024"],
      ["02/01/2024", "03/02/2024"],
      ["03/03/2024", "04/02/2024"],
      ["04/03/2024", "04/10/2024"]
    ])
    expect(reads[0]!.body).toMatchObject({
      requestorID: env.sandbox.requestorId,
      requesterType: "CSP",
      requesterAuthenticationID: env.sandbox.duns,
      esiid: [solar.esiid],
      readingType: "A",
      reportFormat: "JSON",
      deliveryMode: "API"
    })
    expect(got.every((i) => i.interval_start >= window.start && i.interval_start < window.end)).toBe(true)
    const want = env.sandbox.dataset.intervals(solar.esiid, { startMs: Timestamp.toMillis(window.start), endMs: Timestamp.toMillis(window.end) }, "delivered")
    expect(got.filter((i) => i.flow === "delivered")).toHaveLength(want.length)
  })

  it("fails with ProtocolError when a request is larger than SMT allows", async () => {
    const small = await startSandbox({ maxIntervalDays: 10 })
    try {
      const c = small.collector({ intervalDaysPerRequest: 20 })
      const auth = await Effect.runPromise(c.authorize(
        { esiid: "123456789", meter_number: "1", rep: "TEST", email: "t@example.com" },
        { accountUid: "a", callbackUrl: "http://127.0.0.1:9/", registration: "pending" }
      ))
      const [svc] = await Effect.runPromise(c.listServices(auth.grant))
      const error = await failure(Stream.runDrain(c.collectIntervals(auth.grant, svc!, { start: utc("2024-01-01T06:00:00Z"), end: utc("2024-02-01T06:00:00Z") })))
      expect(error.reason).toBe("ProtocolError")
      expect(error.message).toMatch(/exceeds the ad hoc maximum of 10 days/)
    } finally {
      await small.close()
    }
  })

  it("yields nothing for days SMT has no data for", async () => {
    const got = await collect({ start: utc("2030-01-01T06:00:00Z"), end: utc("2030-01-05T06:00:00Z") })
    expect(got).toEqual([])
  })
})

describe("meter information", () => {
  it("asks SMT about at most 200 ESIIDs per request", async () => {
    requests.length = 0
    const esiids = Array.from({ length: 201 }, () => solar.esiid)
    const meters = await Effect.runPromise(env.collector({ fetch: recording }).client.meterInfo(esiids))
    expect(requests.map((r) => (r.body.esiid as Array<string>).length)).toEqual([200, 1])
    expect(meters).toHaveLength(201)
  })
})

describe("bills", () => {
  it("turns monthly billing reads into bills with kWh and no dollar total", async () => {
    const window = { start: utc("2024-01-01T06:00:00Z"), end: utc("2024-07-01T05:00:00Z") }
    const bills = await Effect.runPromise(Stream.runCollect(env.collector().collectBills(grant, service, window))).then((c) => Array.from(c))
    // Cycles read on the 14th: Dec 14 → Jan 14 … Jun 14 → Jul 14 overlap the first half of 2024.
    expect(bills).toHaveLength(7)
    const sorted = [...bills].sort((a, b) => a.bill_start_date - b.bill_start_date)
    expect(iso(sorted[0]!.bill_start_date)).toBe("2023-12-14T06:00:00.000Z")
    expect(iso(sorted[0]!.bill_end_date)).toBe("2024-01-14T06:00:00.000Z")
    expect(iso(sorted[3]!.bill_end_date)).toBe("2024-04-14T05:00:00.000Z")
    for (const b of bills) {
      expect(b.bill_total).toBeNull()
      const usage = env.sandbox.dataset.intervals(solar.esiid, { startMs: b.bill_start_date / 1000, endMs: b.bill_end_date / 1000 }, "delivered")
      expect(b.bill_total_kWh).toBeCloseTo(usage.reduce((s, r) => s + r.kWh, 0), 3)
    }
  })
})

describe("daily and on-demand reads", () => {
  it("reads daily totals that match the day's quarter hours, per channel", async () => {
    const c = env.collector()
    const reads = await Effect.runPromise(c.client.dailyReads(solar.esiid, { first: { year: 2024, month: 3, day: 9 }, last: { year: 2024, month: 3, day: 11 } }))
    expect(reads).toHaveLength(6)
    for (const r of reads) {
      const day = env.sandbox.dataset.day(solar.esiid, r.date)!
      const list = r.flow === "delivered" ? day.delivered : day.received!
      expect(r.kWh).toBeCloseTo(list.reduce((s, x) => s + x.kWh, 0), 3)
    }
  })

  it("polls an on-demand read through PENDING to COMPLETED", async () => {
    requests.length = 0
    const c = env.collector({ fetch: recording })
    const read = await Effect.runPromise(c.client.onDemandRead(solar.esiid, solar.meterNumber, { pollIntervalMs: 40 }))
    expect(read.status).toBe("COMPLETED")
    expect(read.registerKWh).toBeGreaterThan(10_000)
    expect(read.readAt).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/)
    expect(requests.filter((r) => r.path === "/odrstatus/").length).toBeGreaterThan(1)
  })

  it("fails an on-demand read the meter never answers with UtilityUnavailable", async () => {
    env.sandbox.odr.outcome = "FAILED"
    try {
      const error = await failure(env.collector().client.onDemandRead(solar.esiid, solar.meterNumber, { pollIntervalMs: 40 }))
      expect(error.reason).toBe("UtilityUnavailable")
      expect(error.message).toMatch(/Meter did not respond/)
    } finally {
      env.sandbox.odr.outcome = "COMPLETED"
    }
  })
})

describe("SMT's errors", () => {
  const window = { start: utc("2024-05-01T05:00:00Z"), end: utc("2024-05-02T05:00:00Z") }
  const drain = (overrides = {}) => failure(Stream.runDrain(env.collector(overrides).collectIntervals(grant, service, window)))

  it("maps rate limiting to RateLimited with SMT's Retry-After", async () => {
    env.sandbox.faults.set("rateLimited")
    try {
      const error = await drain()
      expect(error.reason).toBe("RateLimited")
      expect(error.retryAfterMs).toBe(3000)
      expect(error.retryable).toBe(true)
    } finally {
      env.sandbox.faults.set(null)
    }
  })

  it("maps an HTML maintenance page and a 503 to UtilityUnavailable", async () => {
    for (const fault of ["malformed", "unavailable"] as const) {
      env.sandbox.faults.set(fault)
      try {
        const error = await drain()
        expect(error.reason).toBe("UtilityUnavailable")
        expect(error.retryable).toBe(true)
      } finally {
        env.sandbox.faults.set(null)
      }
    }
  })

  it("reads an errorCode body: no energy data is empty, an agreement problem is AuthorizationDenied, others ProtocolError", async () => {
    try {
      env.sandbox.faults.set("errorCode")
      const none = await Effect.runPromise(Stream.runCollect(env.collector().collectIntervals(grant, service, window)))
      expect(Array.from(none)).toEqual([])
      env.sandbox.faults.set("errorCode", { data: { errorCode: "2", errorMessage: "No active agreement found for ESIID 1" } })
      expect((await drain()).reason).toBe("AuthorizationDenied")
      env.sandbox.faults.set("errorCode", { data: { errorCode: "9", errorMessage: "Invalid readingType" } })
      const other = await drain()
      expect(other.reason).toBe("ProtocolError")
      expect(other.message).toBe("Smart Meter Texas error 9 on the 15-minute reads request: Invalid readingType")
    } finally {
      env.sandbox.faults.set(null)
    }
  })

  it("reports wrong API credentials as a deployment problem, not the customer's", async () => {
    const error = await drain({ password: "wrong" })
    expect(error.reason).toBe("ProtocolError")
    expect(error.message).toMatch(/refused this deployment's API login \(HTTP 401: Incorrect username or password\.\)/)
  })

  it("answers like SMT to a missing or wrong Basic header", async () => {
    const missing = await fetch(`${env.url}/15minintervalreads/`, { method: "POST", body: "{}" })
    expect(missing.status).toBe(403)
    expect(await missing.json()).toEqual({ error: "Basic authentication header is missing." })
    const wrong = await fetch(`${env.url}/15minintervalreads/`, { method: "POST", body: "{}", headers: { authorization: `Basic ${btoa("a:b")}` } })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: "Incorrect username or password." })
  })

  it("maps an unreachable SMT to UtilityUnavailable", async () => {
    const error = await drain({ baseUrl: "http://127.0.0.1:9" })
    expect(error.reason).toBe("UtilityUnavailable")
  })
})
