import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { formatBatchList, notificationHandler, parseBatchList } from "../../src/connect/Notification.ts"

const post = (body: string) => new Request("http://127.0.0.1/espi/1_1/Notification", { method: "POST", body })

describe("Notification BatchList", () => {
  it("reads the resource URIs of a BatchList in order, with any namespace prefix", () => {
    const xml = `<?xml version="1.0"?><espi:BatchList xmlns:espi="http://naesb.org/espi">` +
      `<espi:resources>https://api.example.com/espi/1_1/resource/Batch/Subscription/5</espi:resources>` +
      `<espi:resources> https://api.example.com/espi/1_1/resource/Batch/Subscription/6?published-min=2024-01-01T00:00:00Z&amp;x=1 </espi:resources>` +
      `</espi:BatchList>`
    expect(Result.getOrThrow(parseBatchList(xml))).toEqual([
      "https://api.example.com/espi/1_1/resource/Batch/Subscription/5",
      "https://api.example.com/espi/1_1/resource/Batch/Subscription/6?published-min=2024-01-01T00:00:00Z&x=1"
    ])
  })

  it("round-trips what the Data Custodian writes, escaping ampersands", () => {
    const uris = ["http://127.0.0.1:1/espi/1_1/resource/Batch/Subscription/1?a=1&b=2"]
    const xml = formatBatchList(uris)
    expect(xml).toContain("a=1&amp;b=2")
    expect(Result.getOrThrow(parseBatchList(xml))).toEqual(uris)
  })

  it.each([
    ["<BatchList><resources>", "well-formed"],
    ["<feed/>", "Expected a BatchList"],
    ["<BatchList><resources>Batch/Subscription/5</resources></BatchList>", "absolute"],
    ["<BatchList><resources>ftp://x/y</resources></BatchList>", "http(s)"]
  ])("rejects %j with a typed error", (xml, words) => {
    const parsed = parseBatchList(xml)
    expect(Result.isFailure(parsed)).toBe(true)
    if (Result.isFailure(parsed)) expect(parsed.failure.message).toContain(words)
  })

  it("acknowledges a BatchList at once and hands its URIs on; answers 400 to anything else", async () => {
    const seen: Array<ReadonlyArray<string>> = []
    const handle = notificationHandler((uris) => {
      seen.push(uris)
    })
    const ok = await handle(post(formatBatchList(["https://u.example/espi/1_1/resource/Batch/Subscription/9"])))
    expect(ok.status).toBe(200)
    await new Promise((r) => setTimeout(r, 10))
    expect(seen).toEqual([["https://u.example/espi/1_1/resource/Batch/Subscription/9"]])
    const bad = await handle(post("not xml"))
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain("well-formed")
    expect(seen).toHaveLength(1)
    expect((await handle(new Request("http://127.0.0.1/n"))).status).toBe(405)
  })
})
