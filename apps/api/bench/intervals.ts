/**
 * Interval listings over HTTP, measured from this process against `pnpm start`
 * in its own process (`processes.ts`):
 * - a year of one service's 15-minute intervals (35,040 rows) as JSON and CSV,
 *   in rows/s, against serialising the same rows straight from the same SQLite
 *   database here, with the same row serializers, without HTTP (alternating rounds);
 * - a decade (350,400 rows) streamed as JSON and as CSV, with the server's RSS
 *   growth (sampled from /proc every 10 ms while the body flows).
 */
import { Effect, Stream } from "effect"
import { Interval, Store } from "@meterbridge/core"
import * as Serialize from "../src/v1/Serialize.ts"
import { parseDatabaseUrl } from "../src/server/databaseUrl.ts"
import { openStore } from "../src/node/openStore.ts"
import { buildFixture, DECADE_ROWS, YEAR_ROWS } from "./fixture.ts"
import { startApi } from "./processes.ts"

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? "5")
const MB = 1024 * 1024

const fixture = await buildFixture({ decade: true })
const api = await startApi(fixture.databaseUrl)
const db = await openStore(parseDatabaseUrl(fixture.databaseUrl))
const run = <A, E>(e: Effect.Effect<A, E, Store.Store>) => Effect.runPromise(Effect.provideService(e, Store.Store, db.store))
const headers = { Authorization: `Token ${fixture.token}` }
const url = (uid: string, ext: string) => `${api.base}/api/services/${uid}/intervals.${ext}`

// The baseline produces the same body bytes (same row serializers, UTF-8 encoded) straight from the Store.
const encoder = new TextEncoder()
const fromDb = (ext: "json" | "csv") => () =>
  run(Stream.runFold(Stream.chunks(Stream.rechunk(db.store.streamIntervals(fixture.serviceUid), 2000)), () => 0, (n, chunk) => {
    encoder.encode(ext === "json" ? (n === 0 ? "[" : ",") + chunk.map(Serialize.intervalJsonText).join(",") : chunk.map(Serialize.intervalCsvText).join(""))
    return n + chunk.length
  }))

/** Downloads a listing as a client saving it would; returns its bytes. */
const download = async (u: string) => {
  const res = await fetch(u, { headers })
  if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${u}`)
  let bytes = 0
  for await (const chunk of res.body!) bytes += (chunk as Uint8Array).byteLength
  return bytes
}

const rate = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

try {
  // Checked once: the listings hold every row.
  if (process.env["BENCH_DECADE"] === undefined) for (const ext of ["json", "csv"] as const) {
    const text = await (await fetch(url(fixture.serviceUid, ext), { headers })).text()
    const rows = ext === "json" ? (JSON.parse(text) as Array<unknown>).length : text.split("\n").length - 2
    if (rows !== YEAR_ROWS) throw new Error(`expected ${YEAR_ROWS} rows as ${ext}, got ${rows}`)
  }
  console.log(`intervals: a year (${YEAR_ROWS} rows, ${Interval.csvColumns.length} CSV columns), ${ROUNDS} alternating rounds; pnpm start (SQLite) in its own process`)
  if (process.env["BENCH_DECADE"] === undefined) for (const ext of ["json", "csv"] as const) {
    await fromDb(ext)()
    await download(url(fixture.serviceUid, ext))
    let dbMs = 0
    let httpMs = 0
    for (let i = 0; i < ROUNDS; i++) {
      dbMs += await rate(fromDb(ext))
      httpMs += await rate(() => download(url(fixture.serviceUid, ext)))
    }
    const http = (YEAR_ROWS * ROUNDS) / (httpMs / 1000)
    const base = (YEAR_ROWS * ROUNDS) / (dbMs / 1000)
    console.log(
      `${ext.toUpperCase()} over HTTP: ${http.toFixed(0)} rows/s vs serialising from the database ${base.toFixed(0)} rows/s = ${(100 * http / base).toFixed(1)} %` +
        (ext === "json" ? " (target ≥ 75 %)" : "")
    )
  }

  for (const ext of (process.env["BENCH_DECADE"] ?? "json,csv").split(",") as Array<"json" | "csv">) {
    const before = api.rss()
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, api.rss())), 10)
    const t0 = performance.now()
    const bytes = await download(url(fixture.decadeUid, ext))
    const ms = performance.now() - t0
    clearInterval(sampler)
    peak = Math.max(peak, api.rss())
    console.log(
      `decade ${ext.toUpperCase()}: ${DECADE_ROWS} rows, ${(bytes / MB).toFixed(0)} MB in ${(ms / 1000).toFixed(2)} s (${(DECADE_ROWS / (ms / 1000)).toFixed(0)} rows/s), ` +
        `server RSS growth ${((peak - before) / MB).toFixed(1)} MB (target < 100 MB)`
    )
  }
} finally {
  await api.stop()
  await db.close()
  fixture.close()
}
