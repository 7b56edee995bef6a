/**
 * The runtime-neutral server (server/Server.ts, what Bun and Workers run): METERBRIDGE_TEST_MODE decides which
 * utilities are served and whether sandboxes are mounted, and webhook events reach a receiver through its
 * delivery step (`deliverFor`, Workers' `scheduled`) with the address policy following test mode.
 */
import { afterEach, describe, expect, it } from "vitest"
import { MemoryStore } from "@meterbridge/core/testing"
import { type Receiver, startReceiver } from "../../../packages/webhooks/test/receiver.ts"
import * as Server from "../src/server/Server.ts"
import * as Settings from "../src/server/settings.ts"
import { urlCheckedFetch } from "../src/server/webhooks.ts"
import { scryptPasswords } from "../src/node/passwords.ts"

const BASE = "http://meterbridge.test"
const receivers: Array<Receiver> = []
afterEach(async () => {
  while (receivers.length > 0) await receivers.pop()!.close()
})

const start = async (env: Settings.Env) => {
  const api = await Server.make({
    store: MemoryStore.make(),
    secretKey: new Uint8Array(32).fill(7),
    passwords: scryptPasswords,
    publicBaseUrl: BASE,
    settings: Settings.read(env),
    env,
    log: () => undefined
  })
  const first = await api.bootstrap()
  if (!first) throw new Error("no first user")
  const request = (path: string, init: { method?: string; json?: unknown } = {}) =>
    api.app.fetch(new Request(`${BASE}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${first.secret}`, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) })
    }))
  return { api, request }
}

describe("the runtime-neutral server", () => {
  it("in test mode (the default) serves every utility, mounts sandboxes and delivers a ping to a loopback receiver", async () => {
    const { api, request } = await start({})
    expect(api.utilities).toEqual(["DEMO", "GBA", "PG&E", "SCE", "SDG&E", "SMT"])
    // The DEMO sandbox answers its login route (a bad login is a 4xx of its own, not the app's 404).
    expect((await api.app.fetch(new Request(`${BASE}/sandbox/demo/api/login`, { method: "POST", body: "{}" }))).status).not.toBe(404)
    const created = await (await request("/api/v2/webhooks", { method: "POST", json: { url: "http://127.0.0.1:9/placeholder" } })).json() as { uid: string; secret: string }
    const receiver = await startReceiver(created.secret)
    receivers.push(receiver)
    expect((await request(`/api/v2/webhooks/${created.uid}`, { method: "PATCH", json: { url: `${receiver.url}/hook` } })).status).toBe(200)
    expect((await request(`/api/v2/webhooks/${created.uid}/ping`, { method: "POST" })).status).toBeLessThan(300)
    const sent = await api.deliverFor(5_000)
    expect(sent).toBe(1)
    expect(receiver.received.map((r) => (JSON.parse(r.body.toString("utf8")) as { events: Array<{ type: string }> }).events[0]!.type)).toEqual(["ping"])
    // Nothing is left due: a second step sends nothing.
    expect(await api.deliverFor(1_000)).toBe(0)
  })

  it("with METERBRIDGE_TEST_MODE=0 serves only DEMO, mounts no sandbox and refuses loopback webhook targets", async () => {
    const { api, request } = await start({ METERBRIDGE_TEST_MODE: "0" })
    expect(api.utilities).toEqual(["DEMO"])
    expect((await api.app.fetch(new Request(`${BASE}/sandbox/demo/api/login`, { method: "POST", body: "{}" }))).status).toBe(404)
    expect((await request("/api/v2/webhooks", { method: "POST", json: { url: "http://127.0.0.1:9/hook" } })).status).toBe(400)
  })

  it("rejects a bad METERBRIDGE_TEST_MODE with a message naming it", () => {
    expect(() => Settings.read({ METERBRIDGE_TEST_MODE: "maybe" })).toThrow(/METERBRIDGE_TEST_MODE/)
  })

  it("its delivery fetch refuses loopback literals unless private targets are allowed", async () => {
    const calls: Array<string> = []
    const base = (async (input: RequestInfo | URL) => {
      calls.push(String(input))
      return new Response("ok")
    }) as typeof globalThis.fetch
    await expect(urlCheckedFetch({ allowPrivate: false }, base)("http://127.0.0.1:8080/hook")).rejects.toThrow("fetch failed")
    await expect(urlCheckedFetch({ allowPrivate: false }, base)("http://localhost/hook")).rejects.toThrow("fetch failed")
    expect(calls).toEqual([])
    expect((await urlCheckedFetch({ allowPrivate: true }, base)("http://127.0.0.1:8080/hook")).status).toBe(200)
    expect((await urlCheckedFetch({ allowPrivate: false }, base)("https://hooks.example.com/x")).status).toBe(200)
    expect(calls).toEqual(["http://127.0.0.1:8080/hook", "https://hooks.example.com/x"])
  })
})
