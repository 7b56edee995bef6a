/**
 * The bench database, built once per run into a temp folder: one user, one
 * token, one DEMO authorization (account) and its services — `s1` with a year
 * of 15-minute intervals and, on request, `s10` with a decade — in SQLite, so
 * a server in another process (`pnpm start`, see `processes.ts`) can open it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Store, Timestamp } from "@meterbridge/core"
import { openStore } from "../src/node/openStore.ts"
import * as Tokens from "../src/shared/Tokens.ts"

export const YEAR_ROWS = 365 * 96
export const DECADE_ROWS = 3650 * 96

export interface Fixture {
  readonly dir: string
  readonly databaseUrl: string
  readonly token: string
  readonly serviceUid: string
  readonly decadeUid: string
  readonly close: () => void
}

/** Deterministic intervals for one service: `count` 15-minute rows from 2015-01-01. */
export const intervalRows = (serviceUid: string, from: number, count: number, now: Timestamp.Micros): Array<Store.IntervalRecord> => {
  const start = Timestamp.parse("2015-01-01T08:00:00Z")!
  return Array.from({ length: count }, (_, k) => {
    const n = from + k
    return {
      service_uid: serviceUid, utility: "DEMO", utility_service_id: `SAID-${serviceUid}`, utility_tariff_name: "E1",
      utility_service_address: "123 Main St", utility_meter_number: "A1",
      interval_start: start + n * 900_000_000, interval_end: start + (n + 1) * 900_000_000,
      interval_kWh: Math.round(Math.abs(Math.sin(n / 40)) * 1000) / 1000, flow: "delivered" as const, quality: "actual" as const,
      source: null, updated: now
    }
  })
}

export const buildFixture = async (options: { readonly decade?: boolean } = {}): Promise<Fixture> => {
  const dir = mkdtempSync(join(tmpdir(), "mb-bench-"))
  const path = join(dir, "bench.db")
  const db = await openStore({ kind: "sqlite", path })
  await db.migrate()
  const store = db.store
  const run = <A, E>(e: Effect.Effect<A, E, Store.Store>) => Effect.runPromise(Effect.provideService(e, Store.Store, store))
  const now = Timestamp.fromMillis(Date.now())
  await run(store.createUser({ uid: "u1", email: "bench@example.com", password_hash: null, created: now }))
  const { secret } = await run(Tokens.create("u1", { now }))
  await run(store.createAccount({
    uid: "a1", user_uid: "u1", utility: "DEMO", created: now, auth_type: "owner", auth: "Bench", auth_expires: null,
    login: "credentials", latest: null, sealed_grant: "v1.x.y", authorization_ref: null, authorization_url: null, ...Store.v1AccountFields
  }))
  const service = async (uid: string, rows: number) => {
    await run(store.upsertService({
      uid, user_uid: "u1", account_uid: "a1", utility: "DEMO", created: now, active_until: null, latest: null, last_collected: null,
      ...Store.v1ServiceFields, utility_service_id: `SAID-${uid}`, utility_tariff_name: "E1", utility_service_address: "123 Main St",
      utility_billing_account: "1", utility_billing_contact: "DOE,JOHN", utility_billing_address: "123 Main St", utility_meter_number: "A1"
    }))
    for (let i = 0; i < rows; i += 5000) await run(store.upsertIntervals(intervalRows(uid, i, Math.min(5000, rows - i), now)))
  }
  await service("s1", YEAR_ROWS)
  if (options.decade) await service("s10", DECADE_ROWS)
  await db.close()
  return {
    dir,
    databaseUrl: `sqlite:${path}`,
    token: secret,
    serviceUid: "s1",
    decadeUid: "s10",
    close: () => rmSync(dir, { recursive: true, force: true })
  }
}
