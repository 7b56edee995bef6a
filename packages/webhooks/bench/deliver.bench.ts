/**
 * Webhook deliveries per second to a receiver on loopback, against a plain unsigned `fetch` POST of a body of the
 * same size, measured in the same run. Each round runs the three variants in turn; the median round is printed.
 *
 *   node bench/deliver.bench.ts            # prints deliveries/s and the ratio to the plain-fetch baseline
 *
 * - baseline: `fetch(url, { method: "POST", body })`, nothing else
 * - signed:   `Payload.make` + `sign` (both schemes) + `deliver` with the same global fetch
 * - guarded:  the same with `guardedFetch` from `./node` (the DNS-checking, address-pinning fetch a worker uses)
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { deliver } from "../src/Deliver.ts"
import { guardedFetch } from "../src/node/GuardedFetch.ts"
import * as Payload from "../src/Payload.ts"
import { generateSecret, sign } from "../src/Signature.ts"

const REQUESTS = 1_500
const IN_FLIGHT = 8
const ROUNDS = 5

const server = createServer((req, res) => {
  req.resume()
  req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("ok"))
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`

const secret = generateSecret()
const events = (i: number): ReadonlyArray<Payload.Json> => [{
  uid: String(i),
  type: "meter_bills_added",
  ts: "2026-01-01T00:00:00.000000+00:00",
  delivery_method: "webhook",
  delivery_target: url,
  is_delivered: false,
  authorization_uid: "auth_12345",
  meter_uid: "meter_67890"
}]
const plainBody = Payload.make(events(0)).bytes
const guarded = guardedFetch({ allowPrivate: true })

type Variant = (i: number) => Promise<void>
const variants: Record<string, Variant> = {
  baseline: async () => {
    const res = await fetch(url, { method: "POST", body: plainBody as Uint8Array<ArrayBuffer>, headers: { "content-type": "application/json" } })
    await res.arrayBuffer()
  },
  signed: (i) => signedDelivery(i, fetch),
  guarded: (i) => signedDelivery(i, guarded)
}

async function signedDelivery(i: number, f: typeof fetch): Promise<void> {
  const payload = Payload.make(events(i))
  const headers = await sign({ secret, id: `msg_${i}`, timestamp: Math.floor(Date.now() / 1000), body: payload.bytes })
  const outcome = await deliver({ url, body: payload.bytes, headers: { ...headers }, fetch: f })
  if (!outcome.delivered) throw new Error(`delivery failed: ${outcome.error?.message}`)
}

const rate = async (run: Variant): Promise<number> => {
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < REQUESTS) await run(next++)
  }))
  return REQUESTS / ((performance.now() - t0) / 1000)
}

for (const run of Object.values(variants)) await rate(run) // warm-up: connections, JIT
const results: Record<string, Array<number>> = { baseline: [], signed: [], guarded: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(variants)) results[name]!.push(await rate(run))
}
server.close()

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = median(results["baseline"]!)
console.log(`deliveries to a loopback receiver, ${REQUESTS} per round, ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds`)
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs)
  console.log(`  ${name.padEnd(9)} ${m.toFixed(0).padStart(6)} /s   ratio to baseline ${(m / base).toFixed(2)}`)
}
