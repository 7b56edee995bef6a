// Runs in the scratch project once hono is added: DEMO's sandbox from `@meterbridge/adapter-demo/sandbox` served on
// loopback, DEMO's collector collecting 45 days of 15-minute intervals from it. Prints one JSON line with what was
// collected and what the sandbox's own dataset says it serves.
import { serve } from "@hono/node-server"
import { Timestamp } from "@meterbridge/core"
import { DemoCollector } from "@meterbridge/adapter-demo"
import { DemoSandbox } from "@meterbridge/adapter-demo/sandbox"
import { Effect, Stream } from "effect"

const now = Math.floor(Date.UTC(2025, 6, 1) / 1000)
const sandbox = DemoSandbox.makeSandbox({ now: () => now })
const server = await new Promise((resolve) => {
  const s = serve({ fetch: sandbox.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s))
})
try {
  const collector = DemoCollector.make({ baseUrl: `http://127.0.0.1:${server.address().port}` })
  const window = { start: Timestamp.fromSeconds(now - 45 * 86_400), end: Timestamp.fromSeconds(now) }
  const collected = await Effect.runPromise(Effect.gen(function*() {
    const auth = yield* collector.authorize(
      { utility_username: DemoSandbox.USERNAME, utility_password: DemoSandbox.PASSWORD },
      { accountUid: "pack-check", callbackUrl: "http://127.0.0.1/callback", registration: "live" }
    )
    const services = yield* collector.listServices(auth.grant)
    const intervals = yield* Stream.runCollect(collector.collectIntervals(auth.grant, services[0], window))
    return { service: services[0].utility_service_id, intervals: Array.from(intervals) }
  }))

  // What the portal serves, from its dataset: one slot per quarter hour of the window.
  const service = sandbox.dataset.services.find((s) => s.utility_service_id === collected.service)
  let slots = 0
  let wh = 0
  for (let t = now - 45 * 86_400; t + 900 <= now; t += 900) {
    slots++
    wh += sandbox.dataset.slotWh(service, t)
  }
  console.log(JSON.stringify({
    collected: { count: collected.intervals.length, kWh: collected.intervals.reduce((s, i) => s + i.interval_kWh, 0) },
    expected: { count: slots, kWh: wh / 1000 }
  }))
} finally {
  server.close()
}
