import { describe, expect, it } from "vitest"
import { RetryAfter } from "../src/index.ts"

describe("RetryAfter.toMillis", () => {
  const now = Date.UTC(2024, 0, 1)

  it("reads delay-seconds", () => {
    expect(RetryAfter.toMillis("30", now)).toBe(30_000)
    expect(RetryAfter.toMillis(" 0 ", now)).toBe(0)
  })

  it("reads an HTTP-date against the caller's clock, never negative", () => {
    expect(RetryAfter.toMillis("Mon, 01 Jan 2024 00:01:00 GMT", now)).toBe(60_000)
    expect(RetryAfter.toMillis("Sun, 31 Dec 2023 23:59:00 GMT", now)).toBe(0)
  })

  it("has no answer for a missing or unreadable header", () => {
    for (const header of [null, undefined, "", "  ", "soon", "-5", "1.5"]) expect(RetryAfter.toMillis(header, now)).toBeUndefined()
  })
})
