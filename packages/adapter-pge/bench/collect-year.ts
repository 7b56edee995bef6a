/**
 * A year of 15-minute intervals (one service) collected through the PG&E collector from its sandbox over loopback
 * HTTP, against a same-run baseline: the very same published-window GETs read with plain fetch + parseEspi and no
 * collector around them (no token session, window filter, de-duplication or domain mapping). Prints both and the ratio.
 */
import { serve } from "@hono/node-server"
import { ConnectClient, ConnectCollector, parseEspi } from "@meterbridge/greenbutton"
import { Customer } from "@meterbridge/greenbutton/sandbox"
import { Effect, Stream } from "effect"
import type { AddressInfo } from "node:net"
import { PgeCollector } from "../src/index.ts"
import { PgeSandbox } from "../src/sandbox.ts"

const sandbox = PgeSandbox.makeSandbox()
const server = serve({ fetch: sandbox.app.fetch, port: 0, hostname: "127.0.0.1" })
await new Promise<void>((r) => server.once("listening", () => r()))
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const collector = PgeCollector.make({
  baseUrl,
  clientId: PgeSandbox.SANDBOX_CLIENT_ID,
  clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET
})
const context = { accountUid: "bench", callbackUrl: "http://127.0.0.1:9/cb", registration: "live" as const }
const pending = await Effect.runPromise(collector.authorize({}, context))
if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
const auth = await Effect.runPromise(collector.resumeAuthorization!(pending.grant, await Customer.playCustomer(pending.url!)))
const grant = auth.grant
const services = await Effect.runPromise(collector.listServices(grant))
const office = services.find((s) => s.utility_service_id === "3000000002")!
const window = { start: Date.UTC(2024, 0, 1) * 1000, end: Date.UTC(2025, 0, 1) * 1000 }

const viaCollector = () => Effect.runPromise(Stream.runCount(collector.collectIntervals(grant, office, window)))

const sid = String(grant["subscriptionUri"]).split("/").pop()
const baseline = async () => {
  let n = 0
  for (const s of ConnectCollector.slices(window, 31)) {
    const url = `${baseUrl}/espi/1_1/resource/Batch/Subscription/${sid}/UsagePoint/3000000002` +
      `?published-min=${ConnectClient.formatPublished(s.start / 1000)}&published-max=${ConnectClient.formatPublished(s.end / 1000)}`
    const response = await fetch(url, { headers: { authorization: `Bearer ${String(grant["accessToken"])}` } })
    for await (const r of parseEspi(response.body as unknown as AsyncIterable<Uint8Array>)) if (r._tag === "Reading") n++
  }
  return n
}

/** Alternating runs, so a busy machine slows both sides alike; the median of each side is reported. */
const measure = async (rounds: number) => {
  const c: Array<{ ms: number; n: number }> = []
  const b: Array<{ ms: number; n: number }> = []
  for (let i = 0; i < rounds; i++) {
    for (const [f, into] of [[viaCollector, c], [baseline, b]] as const) {
      const t0 = performance.now()
      const n = await f()
      into.push({ ms: performance.now() - t0, n })
    }
  }
  const median = (runs: Array<{ ms: number; n: number }>) => runs.sort((x, y) => x.ms - y.ms)[runs.length >> 1]!
  return { c: median(c), b: median(b) }
}

await viaCollector() // warm-up
await baseline()
const { b, c } = await measure(7)
console.log(`collector: ${c.n} intervals in ${c.ms.toFixed(0)} ms (${Math.round(c.n / (c.ms / 1000))} intervals/s)`)
console.log(`baseline (fetch + parseEspi, same slices): ${b.n} readings in ${b.ms.toFixed(0)} ms (${Math.round(b.n / (b.ms / 1000))} readings/s)`)
console.log(`ratio collector/baseline: ${(c.ms / b.ms).toFixed(2)}x`)
server.close()
