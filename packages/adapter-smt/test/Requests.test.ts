/** Keeping requests inside SMT's sizing limits. */
import { describe, expect, it } from "vitest"
import { chunk, MAX_ESIIDS_PER_REQUEST, readBody, splitRange } from "../src/internal/Requests.ts"

describe("splitRange", () => {
  it("covers every day once, in order, in ranges of at most the limit (leap year included)", () => {
    const ranges = splitRange({ first: { year: 2024, month: 1, day: 1 }, last: { year: 2024, month: 12, day: 31 } }, 31)
    expect(ranges).toHaveLength(12) // 366 days = 11 × 31 + 25
    expect(ranges[1]).toEqual({ first: { year: 2024, month: 2, day: 1 }, last: { year: 2024, month: 3, day: 2 } })
    expect(ranges.at(-1)).toEqual({ first: { year: 2024, month: 12, day: 7 }, last: { year: 2024, month: 12, day: 31 } })
    let days = 0
    for (const r of ranges) days += (Date.UTC(r.last.year, r.last.month - 1, r.last.day) - Date.UTC(r.first.year, r.first.month - 1, r.first.day)) / 86_400_000 + 1
    expect(days).toBe(366)
  })

  it("gives nothing for an empty range and refuses a limit below one day", () => {
    expect(splitRange({ first: { year: 2024, month: 2, day: 2 }, last: { year: 2024, month: 2, day: 1 } }, 31)).toEqual([])
    expect(() => splitRange({ first: { year: 2024, month: 2, day: 1 }, last: { year: 2024, month: 2, day: 1 } }, 0)).toThrow(RangeError)
  })
})

describe("request bodies", () => {
  it("batches ESIIDs 200 at a time", () => {
    const batches = chunk(Array.from({ length: 450 }, (_, i) => String(i)), MAX_ESIIDS_PER_REQUEST)
    expect(batches.map((b) => b.length)).toEqual([200, 200, 50])
    expect(batches.flat()).toEqual(Array.from({ length: 450 }, (_, i) => String(i)))
  })

  it("writes dates as MM/DD/YYYY and a fresh trans_id each time", () => {
    const who = { requestorId: "CSP1", requesterType: "CSP", duns: "987654321" }
    const range = { first: { year: 2024, month: 3, day: 9 }, last: { year: 2024, month: 11, day: 3 } }
    const a = readBody(who, ["10443720000000001"], range)
    const b = readBody(who, ["10443720000000001"], range)
    expect(a).toMatchObject({
      requestorID: "CSP1",
      requesterType: "CSP",
      requesterAuthenticationID: "987654321",
      startDate: "03/09/2024",
      endDate: "11/03/2024",
      esiid: ["10443720000000001"],
      version: "L",
      readingType: "A",
      reportFormat: "JSON",
      deliveryMode: "API"
    })
    expect(a.trans_id).not.toBe(b.trans_id)
  })
})
