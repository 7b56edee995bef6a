/**
 * A year of one meter's 15-minute intervals over HTTP: v2's `GET
 * /api/v2/intervals?meters=…` (one Interval object holding the readings)
 * against v1's `GET /api/services/<uid>/intervals.json` on the same server,
 * alternating rounds. The server (`pnpm start`) runs in its own process;
 * this process only downloads. Target: v2 ≥ 90 % of v1's rows/s.
 */
import { buildFixture, YEAR_ROWS } from "./fixture.ts"
import { startApi } from "./processes.ts"

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? "7")

const built = await buildFixture()
const api = await startApi(built.databaseUrl)
const fixture = { base: api.base, token: built.token, serviceUid: built.serviceUid }
const headers = { Authorization: `Bearer ${fixture.token}` }
const v1 = `${fixture.base}/api/services/${fixture.serviceUid}/intervals.json`
const v2 = `${fixture.base}/api/v2/intervals?meters=${fixture.serviceUid}`

const check = async () => {
  const one = (await (await fetch(v1, { headers })).json()) as Array<unknown>
  const two = (await (await fetch(v2, { headers })).json()) as { intervals: Array<{ readings: Array<unknown> }> }
  if (one.length !== YEAR_ROWS || two.intervals[0]?.readings.length !== YEAR_ROWS) {
    throw new Error(`expected ${YEAR_ROWS} rows, got v1 ${one.length}, v2 ${two.intervals[0]?.readings.length}`)
  }
}

const download = async (url: string) => {
  const t0 = performance.now()
  const res = await fetch(url, { headers })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
  return performance.now() - t0
}

try {
  await check()
  let v1Ms = 0
  let v2Ms = 0
  for (let i = 0; i < ROUNDS; i++) {
    v1Ms += await download(v1)
    v2Ms += await download(v2)
  }
  const v1Rate = (YEAR_ROWS * ROUNDS) / (v1Ms / 1000)
  const v2Rate = (YEAR_ROWS * ROUNDS) / (v2Ms / 1000)
  console.log(`v2 intervals: ${YEAR_ROWS} readings, ${ROUNDS} alternating rounds, server in its own process (SQLite)`)
  console.log(`v2 /api/v2/intervals: ${v2Rate.toFixed(0)} rows/s vs v1 intervals.json ${v1Rate.toFixed(0)} rows/s = ${(100 * v2Rate / v1Rate).toFixed(1)} % (target ≥ 90 %)`)
} finally {
  await api.stop()
  built.close()
}
