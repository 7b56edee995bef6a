/**
 * `pnpm chaos`: 3 API processes and 3 workers on one PostgreSQL
 * (MB_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * 50 DEMO authorizations, a worker SIGKILLed every ~1.5 s until at least 100
 * kills and collection is done. Prints the figures; exits 1 unless every
 * authorization is updated with 0 lost, 0 duplicated, 0 wrong and 0 stuck.
 * Options: pnpm chaos [authorizations] [minKills] [killEveryMs].
 */
import * as Chaos from "./Chaos.ts"

const [authorizations = 50, minKills = 100, killEveryMs = 1500] = process.argv.slice(2).map(Number)
const figures = await Chaos.run({
  postgresUrl: process.env["MB_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres",
  apis: 3,
  workers: 3,
  authorizations,
  users: 5,
  minKills,
  killEveryMs,
  timeoutMs: 30 * 60_000,
  log: (line) => process.stderr.write(`  ${line}\n`)
})
const { notUpdated, ...rest } = figures
console.log("chaos:", JSON.stringify(rest, null, 2))
if (notUpdated.length > 0) console.log(`not updated:\n  ${notUpdated.slice(0, 20).join("\n  ")}`)
const ok = figures.updated === figures.authorizations && figures.lostIntervals + figures.lostBills + figures.duplicatedIntervals +
      figures.duplicatedBills + figures.wrongValues + figures.stuckJobs === 0 && figures.kills >= minKills
console.log(ok ? "chaos: OK" : "chaos: FAILED")
process.exit(ok ? 0 : 1)
