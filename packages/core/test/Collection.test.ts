import { Clock, Effect, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { Collection, Collector, CollectorError, Collectors, Jobs, Store, Timestamp, Vault, Worker } from "../src/index.ts"
import { Clocks, MemoryStore } from "../src/testing/index.ts"

const DAY = Timestamp.MICROS_PER_DAY
const HOUR = Timestamp.MICROS_PER_HOUR

/** A scriptable utility: two services, hourly intervals, monthly bills, and failures on demand. */
const makeFakeUtility = () => {
  const state = {
    failures: [] as Array<CollectorError.CollectorError>,
    correction: 0,
    logins: 0,
    listCalls: 0
  }
  const services: Array<{ utility_service_id: string }> = [{ utility_service_id: "S-1" }, { utility_service_id: "S-2" }]
  const takeFailure = Effect.suspend(() => {
    const f = state.failures.shift()
    return f ? Effect.fail(f) : Effect.void
  })
  const collector: Collector.Collector = {
    info: {
      utility: "FAKE",
      name: "Fake",
      allows: ["owner"],
      login: "credentials",
      options: [[{ name: "utility_username", type: "text", help: "user" }, { name: "utility_password", type: "password", help: "pw" }]],
      timeZone: "UTC",
      capabilities: { bills: true, intervals: true },
      historyDays: 10
    },
    authorize: (access) =>
      Effect.suspend(() => {
        state.logins++
        if (!access["utility_username"]) return Effect.fail(CollectorError.invalidAccess("utility_username is required"))
        if (access["utility_password"] !== "secret") return Effect.fail(CollectorError.invalidCredentials())
        return Effect.succeed({ _tag: "Authorized", grant: { user: access["utility_username"] } } as const)
      }),
    listServices: () =>
      takeFailure.pipe(
        Effect.map(() => {
          state.listCalls++
          return services.map((s) => ({
            ...s,
            utility_tariff_name: "T-1",
            utility_service_address: "1 Main St",
            utility_billing_account: "B-1",
            utility_billing_contact: null,
            utility_billing_address: null,
            utility_meter_number: `M-${s.utility_service_id}`
          }))
        })
      ),
    collectBills: (_grant, service, window) =>
      Stream.fromIterable(
        Array.from({ length: 3 }, (_, i): Collector.CollectedBill => ({
          utility_service_id: service.utility_service_id,
          utility_tariff_name: "T-1",
          utility_service_address: null,
          utility_meter_number: null,
          bill_start_date: Math.floor(window.start / DAY) * DAY + i * 3 * DAY,
          bill_end_date: Math.floor(window.start / DAY) * DAY + (i + 1) * 3 * DAY,
          bill_statement_date: null,
          bill_total_kWh: 72,
          bill_total: 14.4,
          bill_breakdown: { line_items: [] },
          source: null
        }))
      ),
    collectIntervals: (_grant, service, window) =>
      Stream.unwrap(takeFailure.pipe(Effect.as(Stream.fromIterable(
        Array.from({ length: Math.floor((window.end - window.start) / HOUR) }, (_, i): Collector.CollectedInterval => {
          const start = Math.floor(window.start / HOUR) * HOUR + i * HOUR
          return {
            interval_start: start,
            interval_end: start + HOUR,
            interval_kWh: 1 + (i === 0 ? state.correction : 0),
            flow: "delivered",
            quality: "actual",
            utility_service_id: service.utility_service_id,
            utility_tariff_name: null,
            utility_service_address: null,
            utility_meter_number: null,
            source: null
          }
        })
      ))))
  }
  return { collector, state }
}

const shiftedClock = Clocks.ahead

const setup = async () => {
  const fake = makeFakeUtility()
  const store = MemoryStore.make()
  const layer = Layer.mergeAll(
    Layer.succeed(Store.Store, store),
    Collectors.layer([fake.collector]),
    Vault.layer(new Uint8Array(32).fill(7))
  )
  const run = <A, E>(effect: Effect.Effect<A, E, Store.Store | Collectors.Collectors | Vault.Vault>) =>
    Effect.runPromise(Effect.provide(effect, layer))
  /** Runs with the clock moved `ms` ahead, so jobs scheduled for later come due. */
  const runLater = <A, E>(ms: number, effect: Effect.Effect<A, E, Store.Store | Collectors.Collectors | Vault.Vault>) =>
    run(Effect.provideService(effect, Clock.Clock, shiftedClock(ms)))
  return { ...fake, store, run, runLater }
}

const input = (access: Record<string, string>) => ({
  user_uid: "u1",
  utility: "FAKE",
  auth_type: "owner" as const,
  auth: "John Doe",
  access,
  callbackUrl: "http://127.0.0.1/cb"
})

describe("Collection state machine", () => {
  it("takes an account from pending to updated, then collects each service to updated", async () => {
    const { run, store } = await setup()
    const account = await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    expect(account.latest).toMatchObject({ type: "pending", message: "Looking up services..." })
    await run(Worker.drain)
    const after = await run(store.getAccount(account.uid))
    expect(after?.latest).toMatchObject({ type: "updated", message: "Services refreshed" })
    const services = await run(store.listServices("u1"))
    expect(services.map((s) => s.utility_service_id).sort()).toEqual(["S-1", "S-2"])
    for (const s of services) {
      expect(s.latest).toMatchObject({ type: "updated", message: "Data refreshed" })
      expect(s.bill_count).toBe(3)
      expect(s.interval_count).toBeGreaterThanOrEqual(10 * 24)
      expect(s.active_until).toBe(after!.auth_expires)
    }
  })

  it("stores the utility password only sealed", async () => {
    const { run, store } = await setup()
    const account = await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    const stored = await run(store.getAccount(account.uid))
    expect(JSON.stringify(stored)).not.toContain("secret")
    // A sealed grant moved to another account does not open: the ciphertext is bound to its row.
    await run(store.createAccount({ ...stored!, uid: "other", authorization_ref: null }))
    await run(store.enqueueJob({ kind: "account", target_uid: "other", params: {}, run_at: 0 }))
    await expect(run(Worker.drain)).rejects.toThrow(/could not be decrypted/)
  })

  it("refuses malformed access before storing anything", async () => {
    const { run, store } = await setup()
    await expect(run(Collection.addAccount(input({ utility_password: "x" })))).rejects.toThrow(/utility_username is required/)
    expect(await run(store.listAccounts("u1"))).toEqual([])
  })

  it("records bad credentials as an account error", async () => {
    const { run } = await setup()
    const account = await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "nope" })))
    expect(account.latest).toMatchObject({ type: "error", message: "Login credentials don't seem to work." })
  })

  it("retries a utility outage with backoff and then succeeds", async () => {
    const { run, runLater, store, state } = await setup()
    state.failures.push(CollectorError.unavailable("DOWN"), CollectorError.rateLimited("SLOW", 30_000))
    const account = await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    await run(Worker.drain)
    let latest = (await run(store.getAccount(account.uid)))!.latest!
    expect(latest.type).toBe("pending")
    expect(latest.message).toMatch(/DOWN; retrying in 5s/)
    const [job] = await run(store.listJobs)
    expect(job!.attempts).toBe(1)
    // Not due yet: the backoff holds it.
    expect(await run(Worker.drain)).toBe(0)
    expect(await runLater(6_000, Worker.drain)).toBe(1)
    latest = (await run(store.getAccount(account.uid)))!.latest!
    // The utility's Retry-After (30 s) wins over the shorter backoff (15 s).
    expect(latest.message).toMatch(/SLOW; retrying in 30s/)
    expect(await runLater(20_000, Worker.drain)).toBe(0)
    await runLater(40_000, Worker.drain)
    expect((await run(store.getAccount(account.uid)))!.latest).toMatchObject({ type: "updated" })
  })

  it("gives up after the last attempt with an error that says so", async () => {
    const { run, runLater, store, state } = await setup()
    for (let i = 0; i < Jobs.MAX_ATTEMPTS; i++) state.failures.push(CollectorError.unavailable("DOWN"))
    const account = await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    let later = 0
    for (let i = 0; i < Jobs.MAX_ATTEMPTS; i++) {
      await runLater(later, Worker.drain)
      later += Collection.backoffMs(i) + 1_000
    }
    const latest = (await run(store.getAccount(account.uid)))!.latest!
    expect(latest).toMatchObject({ type: "error" })
    expect(latest.message).toMatch(/gave up after 8 attempts/)
  })

  it("re-collecting leaves no duplicates, and a corrected reading replaces the old one", async () => {
    const { run, store, state } = await setup()
    await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    await run(Worker.drain)
    const [service] = await run(store.listServices("u1"))
    const before = service!.interval_count
    state.correction = 0.5
    await run(Collection.requestServiceData(service!.uid))
    await run(Worker.drain)
    const after = (await run(store.getService(service!.uid)))!
    expect(after.bill_count).toBe(3)
    // Same window again plus at most the time elapsed: nothing doubled.
    expect(after.interval_count - before).toBeLessThanOrEqual(1)
    const rows = await run(Stream.runCollect(store.streamIntervals(service!.uid)))
    const starts = new Set(Array.from(rows).map((r) => r.interval_start))
    expect(starts.size).toBe(after.interval_count)
    // The re-collection overlaps the first run by days, so its corrected first reading replaced a stored one.
    const corrected = Array.from(rows).filter((r) => r.interval_kWh === 1.5)
    expect(corrected).toHaveLength(1)
    expect(corrected[0]!.interval_start).toBeLessThan(Date.now() * 1000 - 2 * DAY)
  })

  it("reset deactivates the service and deletes its data", async () => {
    const { run, store } = await setup()
    await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    await run(Worker.drain)
    const [service] = await run(store.listServices("u1"))
    await run(Collection.resetService(service!.uid))
    const after = (await run(store.getService(service!.uid)))!
    expect(after.bill_count).toBe(0)
    expect(after.interval_count).toBe(0)
    expect(after.active_until!).toBeLessThanOrEqual(Date.now() * 1000)
  })

  it("picks up a job whose worker died (its lease lapsed)", async () => {
    const { run, store } = await setup()
    await run(Collection.addAccount(input({ utility_username: "joe", utility_password: "secret" })))
    // A worker claims the job and dies without finishing: only its lease remains.
    const claimed = await run(store.claimJob(Date.now() * 1000, Date.now() * 1000 + 1))
    expect(claimed).toBeDefined()
    await new Promise((r) => setTimeout(r, 5))
    expect(await run(Worker.drain)).toBeGreaterThan(0)
    const [account] = await run(store.listAccounts("u1"))
    expect(account!.latest).toMatchObject({ type: "updated" })
  })
})
