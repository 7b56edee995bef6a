/** The API over the PostgreSQL Store (when MB_TEST_POSTGRES_URL is set): the DEMO flow end to end in its own schema. */
import { afterAll, describe, expect, it } from "vitest"
import pg from "pg"
import { KyselyStore, migrate } from "@meterbridge/store-kysely"
import { openPostgres } from "@meterbridge/store-kysely/postgres"
import * as H from "./harness.ts"

const url = process.env["MB_TEST_POSTGRES_URL"]

describe.skipIf(url === undefined)("the API on PostgreSQL", () => {
  const schema = `mb_api_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Pool({ connectionString: url, max: 1 })
  let db: ReturnType<typeof openPostgres> | undefined
  afterAll(async () => {
    await db?.destroy()
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
  })

  it("collects DEMO, and counts match the streamed lists", async () => {
    await admin.query(`create schema ${schema}`)
    db = openPostgres(url!, { options: `-c search_path=${schema}`, max: 4 })
    await migrate(db)
    const h = await H.make({ store: KyselyStore.make(db, { dialect: "postgres" }) })
    const a = await h.addUser("a@example.com")
    const acct = await H.addDemoAccount(h, a.token)
    await h.drain()
    const services = (await (await h.request("/api/services.json", { token: a.token })).json()) as Array<{ uid: string; account_uid: string; bill_count: number; interval_count: number; latest: { type: string } }>
    expect(services.length).toBe(2)
    for (const s of services) {
      expect(s.latest.type).toBe("updated")
      const bills = (await (await h.request(`/api/services/${s.uid}/bills.json`, { token: a.token })).json()) as Array<unknown>
      const intervals = (await (await h.request(`/api/services/${s.uid}/intervals.json`, { token: a.token })).json()) as Array<unknown>
      expect(bills.length).toBe(s.bill_count)
      expect(intervals.length).toBe(s.interval_count)
    }
    const code = ((await (await h.request(`/api/accounts/${acct.uid}/delete.json`, { token: a.token })).json()) as { code: string }).code
    expect((await h.request(`/api/accounts/${acct.uid}/delete.json`, { method: "POST", token: a.token, json: { code } })).status).toBe(200)
    expect((await h.request(`/api/accounts/${acct.uid}/delete.json`, { method: "POST", token: a.token, json: { code } })).status).toBe(404)
    expect(await (await h.request("/api/services.json", { token: a.token })).json()).toEqual([])
  }, 180_000)
})
