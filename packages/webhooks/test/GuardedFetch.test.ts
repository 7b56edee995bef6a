import { fetch as undiciFetch } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TargetRefused } from "../src/AddressPolicy.ts"
import { guardedAgent, guardedFetch, type Resolver } from "../src/node/GuardedFetch.ts"
import { startReceiver, type Receiver } from "./receiver.ts"

let rx: Receiver
beforeAll(async () => (rx = await startReceiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
afterAll(() => rx.close())

/** A resolver that answers from a table and counts its calls; names outside it do not exist. */
const stubResolver = (table: Record<string, ReadonlyArray<string>>) => {
  const calls: Array<string> = []
  const resolve: Resolver = async (hostname) => {
    calls.push(hostname)
    const addresses = table[hostname]
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
  }
  return { resolve, calls }
}

const causeOf = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p
  } catch (e) {
    return (e as { cause?: unknown }).cause
  }
  throw new Error("the request was not refused")
}

describe("guardedFetch", () => {
  it("refuses a name that resolves to 127.0.0.1, before any connection", async () => {
    const dns = stubResolver({ "hooks.example.test": ["127.0.0.1"] })
    const hits = rx.hits()
    const cause = await causeOf(guardedFetch({ allowPrivate: false, resolve: dns.resolve })(`http://hooks.example.test:${rx.port}/`, { method: "POST" }))
    expect(cause).toBeInstanceOf(TargetRefused)
    expect(cause).toMatchObject({ reason: "PrivateAddress", host: "hooks.example.test", address: "127.0.0.1", range: "loopback" })
    expect(rx.hits()).toBe(hits)
  })

  it("refuses when any one of the resolved addresses is private", async () => {
    // A rebinding name may list a public and a private address; the socket could pick either.
    const dns = stubResolver({ "mixed.example.test": ["93.184.216.34", "2606:2800:220:1::1", "10.0.0.7"] })
    const cause = await causeOf(guardedFetch({ allowPrivate: false, resolve: dns.resolve })(`http://mixed.example.test:${rx.port}/`))
    expect(cause).toMatchObject({ reason: "PrivateAddress", address: "10.0.0.7", range: "private" })
  })

  it("connects to exactly the address it checked, resolving the name once", async () => {
    // The name exists only in the stub, so reaching the receiver proves the socket used the checked answer.
    const dns = stubResolver({ "hooks.example.test": ["127.0.0.1"] })
    const f = guardedFetch({ allowPrivate: true, resolve: dns.resolve })
    const res = await f(`http://hooks.example.test:${rx.port}/pinned`, { method: "POST", body: "{}" })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe("ok")
    expect(dns.calls).toEqual(["hooks.example.test"])
    expect(rx.received.at(-1)).toMatchObject({ path: "/pinned" })
    expect(rx.received.at(-1)!.headers.host).toBe(`hooks.example.test:${rx.port}`)
  })

  it("reaches localhost through the system resolver when private targets are allowed", async () => {
    const res = await guardedFetch({ allowPrivate: true })(`http://localhost:${rx.port}/system-dns`)
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  })

  it("checks IP literals at connect time too, so a followed redirect cannot reach a private address", async () => {
    // Plain undici fetch with the guarded dispatcher: no URL check in front, only the connector's.
    const hits = rx.hits()
    for (const host of ["127.0.0.1", "[::1]"]) {
      const cause = await causeOf(undiciFetch(`http://${host}:${rx.port}/`, { dispatcher: guardedAgent({ allowPrivate: false }) }))
      expect(cause).toBeInstanceOf(TargetRefused)
    }
    expect(rx.hits()).toBe(hits)
  })

  it("refuses non-http schemes and userinfo", async () => {
    const f = guardedFetch({ allowPrivate: true })
    expect(await causeOf(f("file:///etc/passwd"))).toMatchObject({ reason: "UnsupportedScheme" })
    expect(await causeOf(f(`http://u:p@127.0.0.1:${rx.port}/`))).toMatchObject({ reason: "Userinfo" })
  })
})
