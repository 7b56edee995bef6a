import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { make, PayloadError, pythonJson, type Json } from "../src/Payload.ts"
import { seededRandom } from "./seeded.ts"

/** Each value with `json.dumps(value, indent=4)` as Python 3 printed it (test/fixtures/python-json.py). */
const cases = JSON.parse(readFileSync(new URL("fixtures/python-json.json", import.meta.url), "utf8")) as Array<{
  value: Json
  python: string
}>

describe("pythonJson", () => {
  it.each(cases.map((c, i) => [i, c] as const))("prints case %i byte for byte as Python's json.dumps(indent=4)", (_, c) => {
    expect(pythonJson(c.value)).toBe(c.python)
  })

  it("refuses values JSON cannot carry, with a PayloadError", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, cyclic]) {
      expect(() => pythonJson(bad as Json)).toThrow(PayloadError)
    }
  })

  it("prints an exact bigint as a Python int", () => {
    expect(pythonJson({ n: 2n ** 70n })).toBe(`{\n    "n": ${2n ** 70n}\n}`)
  })
})

describe("make", () => {
  it("wraps the events as {events, next: null} and gives the ASCII bytes of that text", () => {
    const p = make([{ uid: "1", type: "ping", note: "Zoë" }])
    expect(p.text).toBe('{\n    "events": [\n        {\n            "uid": "1",\n            "type": "ping",\n            "note": "Zo\\u00eb"\n        }\n    ],\n    "next": null\n}')
    expect(Array.from(p.bytes)).toEqual(Array.from(p.text, (ch) => ch.charCodeAt(0)))
    expect(JSON.parse(p.text)).toEqual({ events: [{ uid: "1", type: "ping", note: "Zoë" }], next: null })
  })
})

const python = spawnSync("python3", ["--version"]).status === 0

/** Random JSON with awkward strings (controls, DEL, BMP and astral characters) and floats of every magnitude. */
const randomJson = (r: () => number, depth = 0): Json => {
  const pick = Math.floor(r() * (depth > 3 ? 5 : 7))
  switch (pick) {
    case 0: return null
    case 1: return r() < 0.5
    case 2: return Math.floor((r() - 0.5) * 2 ** 40)
    // Below 2^53: an unsafe integer reads back as a Python int, but we print it as the float it must have been.
    case 3: return (r() - 0.5) * 10 ** Math.floor(r() * 36 - 20)
    case 4: {
      const alphabet = ["a", " ", "\"", "\\", "\n", "\u0000", "\u001f", "\u007f", "é", "€", "日", "😀", "/", "'"]
      return Array.from({ length: Math.floor(r() * 8) }, () => alphabet[Math.floor(r() * alphabet.length)]).join("")
    }
    case 5: return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1))
    default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}${"é".repeat(i % 2)}`, randomJson(r, depth + 1)]))
  }
}

describe.skipIf(!python)("pythonJson against a live python3", () => {
  it("agrees with json.dumps(json.loads(x), indent=4) on 300 random values", () => {
    const r = seededRandom(20260901)
    const values = Array.from({ length: 300 }, () => randomJson(r))
    // Python reads our values from compact JSON; floats keep their shortest form, integers stay ints.
    const script = "import json,sys\nfor line in sys.stdin:\n    print(json.dumps(json.dumps(json.loads(line), indent=4)))"
    const out = spawnSync("python3", ["-c", script], { input: values.map((v) => JSON.stringify(v)).join("\n") + "\n", encoding: "utf8" })
    expect(out.status).toBe(0)
    const printed = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as string)
    expect(printed).toHaveLength(values.length)
    values.forEach((v, i) => expect(pythonJson(v)).toBe(printed[i]))
  })
})
