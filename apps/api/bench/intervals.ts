/**
 * A year of one service's 15-minute intervals (35,040 rows) over HTTP as JSON
 * and as CSV, in rows/s, against selecting the same rows from the same SQLite
 * Store and serialising them with the same row serializers without HTTP or Hono.
 */
import { Stream } from "effect"
import { Interval } from "@meterbridge/core"
import * as Serialize from "../src/v1/Serialize.ts"
import * as Wire from "../src/shared/wire.ts"
import { listen, ratio, setup, YEAR_ROWS } from "./setup.ts"

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? "5")

const b = await setup()
const server = await listen(b.app)

/** Alternates baseline and HTTP rounds so load drift on a shared machine hits both alike; rows/s of each. */
const compare = async (baseline: () => Promise<number>, http: () => Promise<number>) => {
  await baseline()
  await http()
  let baseMs = 0
  let httpMs = 0
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now()
    await baseline()
    baseMs += performance.now() - t0
    t0 = performance.now()
    await http()
    httpMs += performance.now() - t0
  }
  return { base: (YEAR_ROWS * ROUNDS) / (baseMs / 1000), http: (YEAR_ROWS * ROUNDS) / (httpMs / 1000) }
}

// The baseline produces the same body bytes (same row serializers, UTF-8 encoded) straight from the Store.
const encoder = new TextEncoder()
const baselineJson = () =>
  b.run(Stream.runFold(Stream.chunks(Stream.rechunk(b.store.streamIntervals(b.serviceUid), 2000)), () => 0, (n, chunk) => {
    encoder.encode((n === 0 ? "[" : ",") + chunk.map(Serialize.intervalJsonText).join(","))
    return n + chunk.length
  }))
const baselineCsv = () =>
  b.run(Stream.runFold(Stream.chunks(Stream.rechunk(b.store.streamIntervals(b.serviceUid), 2000)), () => 0, (n, chunk) => {
    encoder.encode(Wire.csvRows(chunk.map(Serialize.intervalCsvRow)))
    return n + chunk.length
  }))

const url = (ext: string) => `${server.base}/api/services/${b.serviceUid}/intervals.${ext}`
const headers = { Authorization: `Token ${b.token}` }

// Checked once; the timed rounds only receive the body, as a client saving it would.
for (const ext of ["json", "csv"] as const) {
  const text = await (await fetch(url(ext), { headers })).text()
  const rows = ext === "json" ? (JSON.parse(text) as Array<unknown>).length : text.split("\n").length - 2
  if (rows !== YEAR_ROWS) throw new Error(`expected ${YEAR_ROWS} rows as ${ext}, got ${rows}`)
}

const overHttp = (ext: "json" | "csv") => async () => {
  const res = await fetch(url(ext), { headers })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
  return YEAR_ROWS
}

console.log(`intervals: ${YEAR_ROWS} rows (${Interval.csvColumns.length} columns), ${ROUNDS} rounds each, SQLite store`)
const json = await compare(baselineJson, overHttp("json"))
ratio("JSON over HTTP", json.http, json.base, "rows/s")
const csv = await compare(baselineCsv, overHttp("csv"))
ratio("CSV over HTTP ", csv.http, csv.base, "rows/s")

await server.close()
await b.close()
