/**
 * Bun's webhook fetch (src/bun/pinnedFetch.ts), run on Bun itself: a name is resolved once, every address checked,
 * and the request goes to the checked address with the name as Host — so a name resolving to 127.0.0.1 is refused
 * when private targets are not allowed, and reaches the receiver only through the address that was checked.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Receiver, startReceiver } from "../../../packages/webhooks/test/receiver.ts"

const BUN = join(import.meta.dirname, "../node_modules/.bin/bun")

let rx: Receiver
beforeAll(async () => (rx = await startReceiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
afterAll(() => rx.close())

describe("webhook deliveries on Bun", () => {
  it("refuse a name that resolves to a private address and connect to exactly the checked address", async () => {
    const { stdout } = await promisify(execFile)(BUN, [join(import.meta.dirname, "bun/pinnedFetch.ts"), String(rx.port)], { timeout: 30_000 })
    const seen = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>
    expect(seen["loopbackName"]).toBe("WebhookTargetRefused:PrivateAddress:127.0.0.1")
    // One private address among public ones is enough: the connection could have used it.
    expect(seen["mixed"]).toBe("WebhookTargetRefused:PrivateAddress:10.0.0.7")
    expect(seen["deliverError"]).toBe("TargetRefused")
    // Nothing refused reached the receiver; the allowed request did, by the stubbed address, with its name as Host.
    expect(rx.received.map((r) => r.path)).toEqual(["/pinned"])
    expect(rx.received[0]!.headers.host).toBe(`hooks.example.test:${rx.port}`)
    expect(rx.received[0]!.headers["content-length"]).toBe("7")
    expect(rx.received[0]!.body.toString("utf8")).toBe("{\"a\":1}")
    expect(seen["allowedStatus"]).toBe(200)
    expect(seen["resolvedOnce"]).toEqual(["hooks.example.test"])
  })
})
