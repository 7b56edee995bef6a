/**
 * Prometheus metrics (prom-client), one registry per process: HTTP requests
 * by route and status with a latency histogram (API processes); jobs queued,
 * running and failed (read from the shared queue at scrape time, so every
 * process reports the same figures); collection outcomes per utility and rows
 * ingested (counted where collection runs, by decorating the Store).
 */
import { Effect } from "effect"
import type { Store } from "@meterbridge/core"
import client from "prom-client"
import type { RequestRecord } from "../app.ts"

export interface Metrics {
  readonly observeRequest: (r: RequestRecord) => void
  /** The Store, counting what collection writes (outcomes, rows). */
  readonly instrument: (store: Store.StoreShape) => Store.StoreShape
  readonly scrape: () => Promise<{ readonly contentType: string; readonly body: string }>
}

export const make = (store: Store.StoreShape, component: "api" | "worker"): Metrics => {
  const registry = new client.Registry()
  registry.setDefaultLabels({ component })
  client.collectDefaultMetrics({ register: registry })
  const requests = new client.Counter({
    name: "meterbridge_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry]
  })
  const latency = new client.Histogram({
    name: "meterbridge_http_request_duration_seconds",
    help: "Time to answer an HTTP request (until the headers; streamed bodies continue).",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const outcomes = new client.Counter({
    name: "meterbridge_collection_outcomes_total",
    help: "Accounts and services whose collection ended, by utility, kind and outcome (updated, error, pending).",
    labelNames: ["utility", "kind", "outcome"] as const,
    registers: [registry]
  })
  const rows = new client.Counter({
    name: "meterbridge_rows_ingested_total",
    help: "Bills and intervals written (new or changed), by utility.",
    labelNames: ["utility", "table"] as const,
    registers: [registry]
  })
  new client.Gauge({
    name: "meterbridge_jobs",
    help: "Collection jobs in the shared queue: queued (waiting, due or not), running (leased) and failed (waiting after a failed attempt).",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const jobs = await Effect.runPromise(store.listJobs).catch(() => undefined)
      if (jobs === undefined) return
      const now = Date.now() * 1000
      let queued = 0
      let running = 0
      let failed = 0
      for (const j of jobs) {
        if (j.locked_until !== null && j.locked_until > now) running++
        else {
          queued++
          if (j.attempts > 0) failed++
        }
      }
      this.set({ state: "queued" }, queued)
      this.set({ state: "running" }, running)
      this.set({ state: "failed" }, failed)
    }
  })

  const utilities = new Map<string, string>()
  const utilityOfService = (inner: Store.StoreShape, uid: string) =>
    utilities.has(uid)
      ? Effect.succeed(utilities.get(uid)!)
      : inner.getService(uid).pipe(Effect.map((s) => {
        const u = s?.utility ?? "unknown"
        if (utilities.size > 100_000) utilities.clear()
        utilities.set(uid, u)
        return u
      }))

  return {
    observeRequest: (r) => {
      requests.inc({ method: r.method, route: r.route, status: String(r.status) })
      latency.observe({ method: r.method, route: r.route }, r.ms / 1000)
    },
    instrument: (inner) => ({
      ...inner,
      upsertBills: (bills) =>
        inner.upsertBills(bills).pipe(Effect.tap((r) => Effect.sync(() => {
          if (bills.length > 0) rows.inc({ utility: bills[0]!.utility, table: "bills" }, r.inserted + r.changed)
        }))),
      upsertIntervals: (intervals) =>
        inner.upsertIntervals(intervals).pipe(Effect.tap((r) => Effect.sync(() => {
          if (intervals.length > 0) rows.inc({ utility: intervals[0]!.utility, table: "intervals" }, r.inserted + r.changed)
        }))),
      updateAccount: (uid, patch) =>
        inner.updateAccount(uid, patch).pipe(Effect.tap(() =>
          patch.latest
            ? inner.getAccount(uid).pipe(
              Effect.map((a) => outcomes.inc({ utility: a?.utility ?? "unknown", kind: "account", outcome: patch.latest!.type })),
              Effect.ignore
            )
            : Effect.void
        )),
      updateService: (uid, patch) =>
        inner.updateService(uid, patch).pipe(Effect.tap(() =>
          patch.latest
            ? utilityOfService(inner, uid).pipe(
              Effect.map((utility) => outcomes.inc({ utility, kind: "service", outcome: patch.latest!.type })),
              Effect.ignore
            )
            : Effect.void
        ))
    }),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() })
  }
}
