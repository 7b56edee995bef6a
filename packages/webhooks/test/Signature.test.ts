import { createHash } from "node:crypto"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import { pythonJson } from "../src/Payload.ts"
import {
  generateSecret,
  sign,
  utilityApiSignature,
  verifyStandard,
  verifyUtilityApi,
  type WebhookSecret
} from "../src/Signature.ts"

/** UtilityAPI's scheme written out independently of the library: hex SHA-256 of `secret.salt.body`. */
const sha256Hex = (secret: string, salt: string, body: Buffer | string) =>
  createHash("sha256").update(Buffer.concat([Buffer.from(`${secret}.${salt}.`), Buffer.from(body)])).digest("hex")

describe("UtilityAPI scheme", () => {
  // research/utilityapi-v2-details.md §1.2: EDDIE's WebhookVerifierTest, re-computed there with Python hashlib.
  it("reproduces the research note's test vector over the 4-space-indented body", async () => {
    const body = pythonJson({ json: "object" })
    expect(body).toBe('{\n    "json": "object"\n}')
    expect(await utilityApiSignature("secret", "salt", body)).toBe(
      "6cd59ee8461872a3e0deea0d6428b5cdad5049452b4914ad66ed1cc1081b5e7d"
    )
    // …and the compact form hashes to something else, which is why the indented bytes are what we send.
    expect(await utilityApiSignature("secret", "salt", '{"json": "object"}')).toMatch(/^a20942713b/)
  })

  it("accepts the vector on the receiving side and refuses a changed body, salt or signature", async () => {
    const body = '{\n    "json": "object"\n}'
    const headers = {
      "x-utilityapi-webhook-salt": "salt",
      "x-utilityapi-webhook-signature": "6cd59ee8461872a3e0deea0d6428b5cdad5049452b4914ad66ed1cc1081b5e7d"
    }
    expect(await verifyUtilityApi({ secret: "secret", headers, body })).toEqual({ valid: true })
    for (const [h, b] of [
      [headers, body + " "],
      [{ ...headers, "x-utilityapi-webhook-salt": "salt2" }, body],
      [{ ...headers, "x-utilityapi-webhook-signature": "0".repeat(64) }, body]
    ] as const) {
      const r = await verifyUtilityApi({ secret: "secret", headers: h, body: b })
      expect(r.valid === false && r.error.reason).toBe("SignatureMismatch")
    }
    const missing = await verifyUtilityApi({ secret: "secret", headers: {}, body })
    expect(missing.valid === false && missing.error.reason).toBe("MissingHeader")
  })
})

describe("Standard Webhooks scheme", () => {
  // The spec's known-answer vector (standard-webhooks libraries/javascript webhook.test.ts).
  const kat = {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" as WebhookSecret,
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
  }

  it("reproduces the spec's known-answer vector", async () => {
    const h = await sign({ secret: kat.secret, id: kat.id, timestamp: kat.timestamp, body: kat.body, salt: "s" })
    expect(h["webhook-signature"]).toBe(kat.signature)
    expect(h["webhook-id"]).toBe(kat.id)
    expect(h["webhook-timestamp"]).toBe("1614265330")
  })

  it("verifies within the tolerance only", async () => {
    const headers = { "webhook-id": kat.id, "webhook-timestamp": String(kat.timestamp), "webhook-signature": kat.signature }
    const at = (now: number) => verifyStandard({ secret: kat.secret, headers, body: kat.body, now })
    expect(await at(kat.timestamp + 300)).toEqual({ valid: true })
    expect(await at(kat.timestamp - 300)).toEqual({ valid: true })
    for (const now of [kat.timestamp + 301, kat.timestamp - 301]) {
      const r = await at(now)
      expect(r.valid === false && r.error.reason).toBe("TimestampOutOfTolerance")
    }
  })

  it("refuses a changed body, id or signature, and a malformed timestamp or secret", async () => {
    const base = { "webhook-id": kat.id, "webhook-timestamp": String(kat.timestamp), "webhook-signature": kat.signature }
    const check = async (headers: Record<string, string>, body = kat.body, secret: string = kat.secret) => {
      const r = await verifyStandard({ secret, headers, body, now: kat.timestamp })
      return r.valid ? "valid" : r.error.reason
    }
    expect(await check(base, '{"test": 2432232315}')).toBe("SignatureMismatch")
    expect(await check({ ...base, "webhook-id": "msg_other" })).toBe("SignatureMismatch")
    expect(await check({ ...base, "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=" })).toBe("SignatureMismatch")
    expect(await check({ ...base, "webhook-signature": "v2," + kat.signature.slice(3) })).toBe("SignatureMismatch")
    expect(await check({ ...base, "webhook-timestamp": "1614265330.5" })).toBe("InvalidTimestamp")
    expect(await check({ "webhook-id": kat.id, "webhook-timestamp": String(kat.timestamp) })).toBe("MissingHeader")
    expect(await check(base, kat.body, "not-a-secret")).toBe("InvalidSecret")
  })

  it("accepts any of several signatures, as sent while a secret is rotated", async () => {
    const other = await sign({ secret: generateSecret(), id: kat.id, timestamp: kat.timestamp, body: kat.body })
    const headers = new Headers({
      "webhook-id": kat.id,
      "webhook-timestamp": String(kat.timestamp),
      "webhook-signature": `${other["webhook-signature"]} ${kat.signature}`
    })
    expect(await verifyStandard({ secret: kat.secret, headers, body: kat.body, now: kat.timestamp })).toEqual({ valid: true })
  })

  it("accepts what the reference library signs", async () => {
    const secret = generateSecret()
    const body = pythonJson({ events: [{ uid: "1", type: "ping" }], next: null })
    const when = new Date(1_700_000_000_000)
    const signature = new Webhook(secret).sign("msg_1", when, body)
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": signature }
    expect(await verifyStandard({ secret, headers, body, now: 1_700_000_010 })).toEqual({ valid: true })
  })
})

describe("generateSecret and sign", () => {
  it("makes whsec_ secrets of 32 random bytes, different every time", () => {
    const secrets = Array.from({ length: 50 }, generateSecret)
    for (const s of secrets) {
      expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
      expect(Buffer.from(s.slice(6), "base64")).toHaveLength(32)
    }
    expect(new Set(secrets).size).toBe(50)
  })

  it("signs one body under both schemes, each checkable by an independent implementation", async () => {
    const secret = generateSecret()
    const body = new TextEncoder().encode(pythonJson({ events: [{ uid: "é", type: "ping" }], next: null }))
    const h = await sign({ secret, id: "evt_batch_1", timestamp: 1_700_000_000, body })
    expect(Object.keys(h).sort()).toEqual(
      ["X-UtilityAPI-Webhook-Salt", "X-UtilityAPI-Webhook-Signature", "webhook-id", "webhook-signature", "webhook-timestamp"].sort()
    )
    expect(h["X-UtilityAPI-Webhook-Signature"]).toBe(sha256Hex(secret, h["X-UtilityAPI-Webhook-Salt"], Buffer.from(body)))
    const lib = new Webhook(secret)
    // The reference library checks the timestamp against the real clock, so sign "now" for it.
    const now = Math.floor(Date.now() / 1000)
    const fresh = await sign({ secret, id: "evt_batch_1", timestamp: now, body })
    expect(() => lib.verify(Buffer.from(body), { ...fresh })).not.toThrow()
    expect(fresh["webhook-signature"]).toBe(lib.sign("evt_batch_1", new Date(now * 1000), Buffer.from(body)))
  })

  it("uses a fresh salt per request unless one is given", async () => {
    const secret = generateSecret()
    const a = await sign({ secret, id: "m", timestamp: 1, body: "{}" })
    const b = await sign({ secret, id: "m", timestamp: 1, body: "{}" })
    expect(a["X-UtilityAPI-Webhook-Salt"]).not.toBe(b["X-UtilityAPI-Webhook-Salt"])
    expect(a["X-UtilityAPI-Webhook-Signature"]).not.toBe(b["X-UtilityAPI-Webhook-Signature"])
    expect(a["webhook-signature"]).toBe(b["webhook-signature"])
  })
})
