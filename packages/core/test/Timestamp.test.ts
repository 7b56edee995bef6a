import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { Timestamp } from "../src/index.ts"

describe("Timestamp", () => {
  it("formats with six fractional digits and +00:00", () => {
    expect(Timestamp.format(Timestamp.fromMillis(Date.UTC(2014, 5, 17, 16, 4, 34, 23)) + 534)).toBe(
      "2014-06-17T16:04:34.023534+00:00"
    )
  })
  it.each([
    ["2014-01-01T01:01:01+00:00", "2014-01-01T01:01:01.000000+00:00"],
    ["2014-01-01T01:01:01Z", "2014-01-01T01:01:01.000000+00:00"],
    ["2014-01-01T01:01:01.123456+00:00", "2014-01-01T01:01:01.123456+00:00"],
    ["2014-01-01T01:01:01.123456Z", "2014-01-01T01:01:01.123456+00:00"],
    ["2014-01-01T01:01:01.5-08:00", "2014-01-01T09:01:01.500000+00:00"]
  ])("accepts the reference's valid form %s", (input, output) => {
    expect(Timestamp.format(Timestamp.parse(input)!)).toBe(output)
  })
  it.each(["2014-01-01 01:01:01+00:00", "2014-01-01T01:01:01PM", "2014-01-01T01:01:01", "2014-02-30T00:00:00Z", "2014-01-01T24:00:00Z", "yesterday"])(
    "rejects %s",
    (input) => {
      expect(Timestamp.parse(input)).toBeUndefined()
      expect(() => Schema.decodeUnknownSync(Timestamp.Timestamp)(input)).toThrow(/Invalid timestamp/)
    }
  )
  it("takes a bare date as midnight UTC only where filters allow it", () => {
    expect(Timestamp.format(Timestamp.parseDateOrTimestamp("2015-03-01")!)).toBe("2015-03-01T00:00:00.000000+00:00")
    expect(Timestamp.parse("2015-03-01")).toBeUndefined()
  })
})
