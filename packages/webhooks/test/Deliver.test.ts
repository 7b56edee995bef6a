import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deliver } from "../src/Deliver.ts"
import { guardedFetch } from "../src/node/GuardedFetch.ts"
import * as Payload from "../src/Payload.ts"
import { generateSecret, sign } from "../src/Signature.ts"
import { startReceiver, type Receiver } from "./receiver.ts"

const secret = generateSecret()
const loopbackFetch = guardedFetch({ allowPrivate: true })
let rx: Receiver
/** Bytes the endless route wrote before the client went away, and whether it saw the connection close. */
const endless = { written: 0, closed: false }

beforeAll(async () => {
  rx = await startReceiver(secret, {
    "/fail": (_req, res) => res.writeHead(500).end("receiver broke"),
    "/busy": (_req, res) => res.writeHead(429, { "retry-after": "7" }).end(),
    "/busy-until": (_req, res) => res.writeHead(503, { "retry-after": "Wed, 21 Oct 2037 07:28:00 GMT" }).end(),
    "/redirect": (_req, res) => res.writeHead(302, { location: "/landed" }).end(),
    "/slow": (_req, res) => {
      const t = setTimeout(() => res.writeHead(200).end("too late"), 5_000)
      res.on("close", () => clearTimeout(t))
    },
    "/trickle": (_req, res) => {
      res.writeHead(200)
      res.write("a")
      const t = setInterval(() => res.write("a"), 50)
      res.on("close", () => clearInterval(t))
    },
    "/endless": (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      const chunk = Buffer.alloc(64 * 1024, "x")
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) endless.written += chunk.length
        if (!res.destroyed) res.once("drain", pump)
      }
      res.on("close", () => (endless.closed = true))
      pump()
    }
  })
})
afterAll(() => rx.close())

const signedAttempt = async (path: string, events: ReadonlyArray<Payload.Json>, extra: Partial<Parameters<typeof deliver>[0]> = {}) => {
  const payload = Payload.make(events)
  const headers = await sign({ secret, id: `msg_${rx.received.length}`, timestamp: Math.floor(Date.now() / 1000), body: payload.bytes })
  const outcome = await deliver({ url: rx.url + path, body: payload.bytes, headers: { ...headers }, fetch: loopbackFetch, ...extra })
  return { payload, headers, outcome }
}

describe("deliver to a receiver on loopback", () => {
  it("delivers signed bodies every receiver can verify, byte for byte", async () => {
    const batches: Array<ReadonlyArray<Payload.Json>> = [
      [{ uid: "1", type: "ping", ts: "2026-01-01T00:00:00.000000+00:00", delivery_method: "webhook", is_delivered: false }],
      [{ uid: "2", type: "meter_created", meter_uid: "m1" }, { uid: "3", type: "meter_bills_added", note: "Zoë ☃ 😀" }],
      [{ uid: "4", type: "authorization_created", nested: { list: [1, 2.5, null], empty: [], obj: {} } }]
    ]
    const before = rx.received.length
    for (const events of batches) {
      const { payload, headers, outcome } = await signedAttempt("/hook", events)
      expect(outcome).toMatchObject({ delivered: true, status: 200, replyPreview: "ok" })
      expect(outcome.error).toBeUndefined()
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(0)
      const got = rx.received.at(-1)!
      expect(Buffer.compare(got.body, Buffer.from(payload.bytes))).toBe(0)
      expect(got.headers["webhook-id"]).toBe(headers["webhook-id"])
      expect(got.headers["content-type"]).toBe("application/json")
    }
    const mine = rx.received.slice(before)
    expect(mine).toHaveLength(batches.length)
    expect(mine.every((r) => r.standardValid && r.utilityApiValid)).toBe(true)
  })

  it("reports a non-2xx reply as not delivered, with status and reply preview", async () => {
    const { outcome } = await signedAttempt("/fail", [{ uid: "5", type: "ping" }])
    expect(outcome).toMatchObject({ delivered: false, status: 500, replyPreview: "receiver broke" })
    expect(outcome.error?.reason).toBe("HttpStatus")
  })

  it("passes Retry-After on", async () => {
    const { outcome } = await signedAttempt("/busy", [{ uid: "6", type: "ping" }])
    expect(outcome).toMatchObject({ delivered: false, status: 429, retryAfterMs: 7_000 })
  })

  it("counts a Retry-After date from the caller's clock", async () => {
    const until = Date.parse("Wed, 21 Oct 2037 07:28:00 GMT")
    const early = await signedAttempt("/busy-until", [{ uid: "6b", type: "ping" }], { now: () => until - 90_000 })
    expect(early.outcome.retryAfterMs).toBe(90_000)
    const later = await signedAttempt("/busy-until", [{ uid: "6c", type: "ping" }], { now: () => until - 30_000 })
    expect(later.outcome.retryAfterMs).toBe(30_000)
  })

  it("never follows a redirect and counts it as a failure", async () => {
    const { outcome } = await signedAttempt("/redirect", [{ uid: "7", type: "ping" }])
    expect(outcome).toMatchObject({ delivered: false, status: 302 })
    expect(outcome.error?.reason).toBe("Redirect")
    expect(rx.received.filter((r) => r.path === "/landed")).toHaveLength(0)
  })

  it("gives up on a receiver that answers too late", async () => {
    const { outcome } = await signedAttempt("/slow", [{ uid: "8", type: "ping" }], { timeoutMs: 200 })
    expect(outcome).toMatchObject({ delivered: false })
    expect(outcome.error?.reason).toBe("Timeout")
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(199)
  })

  it("gives up on a receiver that trickles its reply past the timeout, even under the read bound", async () => {
    const { outcome } = await signedAttempt("/trickle", [{ uid: "9", type: "ping" }], { timeoutMs: 300, maxReplyBytes: 1_000_000 })
    expect(outcome.error?.reason).toBe("Timeout")
  })

  it("reads a huge reply only up to the bound, then drops the connection", async () => {
    const { outcome } = await signedAttempt("/endless", [{ uid: "10", type: "ping" }], { maxReplyBytes: 100, timeoutMs: 10_000 })
    // The reply never ends: returning at all shows the rest was not read.
    expect(outcome).toMatchObject({ delivered: true, status: 200, replyPreview: "x".repeat(100) })
    await expect.poll(() => endless.closed).toBe(true)
  })

  it("reports a refused connection as a network error", async () => {
    const closed = await startReceiver(secret)
    const url = closed.url
    await closed.close()
    const outcome = await deliver({ url, body: new Uint8Array([123, 125]), headers: {}, fetch: loopbackFetch })
    expect(outcome).toMatchObject({ delivered: false })
    expect(outcome.error?.reason).toBe("Network")
    expect(outcome.status).toBeUndefined()
  })

  it("refuses a loopback target before connecting when private targets are not allowed", async () => {
    const hits = rx.hits()
    for (const url of [rx.url + "/hook", `http://[::ffff:127.0.0.1]:${rx.port}/`, `http://2130706433:${rx.port}/`, `http://localhost:${rx.port}/`]) {
      const outcome = await deliver({ url, body: new Uint8Array([123, 125]), headers: {}, fetch: guardedFetch({ allowPrivate: false }) })
      expect(outcome).toMatchObject({ delivered: false })
      expect(outcome.error?.reason).toBe("TargetRefused")
      expect(outcome.error?.message).toMatch(/loopback/)
    }
    expect(rx.hits()).toBe(hits)
  })

  it("never throws, whatever the fetch does", async () => {
    const outcome = await deliver({
      url: "http://example.invalid/",
      body: new Uint8Array(0),
      headers: {},
      fetch: () => { throw new Error("synchronous failure") }
    })
    expect(outcome.error?.reason).toBe("Network")
  })
})
