import { Context, Effect } from "effect"
import { Collectors, Store, Vault } from "@meterbridge/core"
import { Hono } from "hono"
import { buildFixture } from "./fixture.ts"
import { openStore } from "../src/node/openStore.ts"
import { createApp } from "../src/app.ts"
import { scryptPasswords } from "../src/node/passwords.ts"
import * as Metrics from "../src/node/metrics.ts"
import * as RequestInfo from "../src/shared/RequestInfo.ts"
const fixture = await buildFixture()
const db = await openStore({ kind: "sqlite", path: fixture.databaseUrl.slice(7) })
const vault = await Effect.runPromise(Vault.make(new Uint8Array(32)))
const metrics = Metrics.make(db.store, "api")
const context = Context.make(Store.Store, metrics.instrument(db.store)).pipe(Context.add(Collectors.Collectors, Collectors.make([])), Context.add(Vault.Vault, vault))
const { app } = createApp({ context: context as never, passwords: scryptPasswords, config: { signingKey: new Uint8Array(32), rateLimit: 100000, publicBaseUrl: "http://x" } },
  { observe: (r) => metrics.observeRequest(r) })
const bare = new Hono(); const body = "x".repeat(560); bare.get("*", (c) => c.body(body, 200, { "Content-Type": "application/json" }))
const N = Number(process.argv[2] ?? 30000)
const measure = async (name: string, f: (r: Request) => Response | Promise<Response>, path: string) => {
  const mk = () => { const r = new Request(`http://127.0.0.1:3000${path}`, { headers: { Authorization: `Token ${fixture.token}` } }); RequestInfo.attach(r, RequestInfo.resolve("127.0.0.1", r, new Set())); return r }
  for (let i = 0; i < 5000; i++) await (await f(mk())).text()
  const reqs = Array.from({ length: N }, mk)
  const t = performance.now()
  for (let i = 0; i < N; i++) await (await f(reqs[i]!)).text()
  console.log(name, ((performance.now() - t) * 1000 / N).toFixed(1), "µs/req")
}
for (let k = 0; k < 2; k++) {
  await measure("bare hono", bare.fetch, "/api/services/s1.json")
  await measure("v1 service", app.fetch, "/api/services/s1.json")
  await measure("v2 meter", app.fetch, "/api/v2/meters/s1")
}
await db.close(); fixture.close()
