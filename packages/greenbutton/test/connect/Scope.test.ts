import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Scope from "../../src/connect/Scope.ts"

describe("Scope (Green Button function-block scope string)", () => {
  it("writes the FB scope in the order utilities expect", () => {
    const s = Scope.format({
      functionBlocks: [1, 3, 4, 5, 13, 14],
      intervalDurations: [900, 3600],
      blockDuration: ["daily"],
      historyLength: 63_072_000
    })
    expect(s).toBe("FB=1_3_4_5_13_14;IntervalDuration=900_3600;BlockDuration=daily;HistoryLength=63072000")
  })

  it("reads the ConEd bulk example, keeping the bulk id", () => {
    const parsed = Scope.parse("FB=1_3_4_5_7_8_10_15_16_51_53_56_57_58_60;IntervalDuration=900;BlockDuration=monthly;HistoryLength=63072000;BR=9876")
    expect(Result.isSuccess(parsed)).toBe(true)
    const scope = Result.getOrThrow(parsed)
    expect(scope.functionBlocks).toEqual([1, 3, 4, 5, 7, 8, 10, 15, 16, 51, 53, 56, 57, 58, 60])
    expect(scope.intervalDurations).toEqual([900])
    expect(scope.blockDuration).toEqual(["monthly"])
    expect(scope.historyLength).toBe(2 * 365 * 86_400)
    expect(scope.bulkId).toBe("9876")
  })

  it("round-trips utility-specific terms in order", () => {
    const text = "FB=1_3_4_5;IntervalDuration=3600;BlockDuration=daily;HistoryLength=34128000;MinAuthEndDate=1767225600;PreferredAuthEndDate=1798761600"
    const scope = Result.getOrThrow(Scope.parse(text))
    expect(scope.extra).toEqual([["MinAuthEndDate", "1767225600"], ["PreferredAuthEndDate", "1798761600"]])
    expect(Scope.format(scope)).toBe(text)
  })

  it.each([
    ["", "no FB"],
    ["IntervalDuration=900", "no FB"],
    ["FB=1_x_3", "numbers joined"],
    ["FB=1;FB=2", "twice"],
    ["FB=1;IntervalDuration=0", "positive seconds"],
    ["FB=1;HistoryLength=two years", "whole seconds"],
    ["FB=1;garbage", "key=value"]
  ])("rejects %j with a typed error naming the problem", (input, words) => {
    const parsed = Scope.parse(input)
    expect(Result.isFailure(parsed)).toBe(true)
    if (Result.isFailure(parsed)) {
      expect(parsed.failure._tag).toBe("InvalidScope")
      expect(parsed.failure.message).toContain(words)
    }
  })

  it("refuses to write a value the grammar cannot carry", () => {
    expect(() =>
      Scope.format({ functionBlocks: [1], intervalDurations: [], blockDuration: [], historyLength: 0, extra: [["X", "a;b"]] })
    ).toThrow(/forbids/)
  })
})
