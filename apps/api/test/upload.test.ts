/**
 * Green Button upload (v1 `POST /api/services/import`, v2 `POST /api/v2/imports`):
 * the file becomes an account with a service per usage point holding its bills
 * and intervals; counts are compared with figures read from the raw files by
 * regexes, independently of the parser.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Store } from "@meterbridge/core"
import { MemoryStore } from "@meterbridge/core/testing"
import { makeGreenButtonUploads } from "../src/node/greenButtonUploads.ts"
import * as Harness from "./harness.ts"

const FIXTURES = new URL("../../../packages/greenbutton/test/fixtures/", import.meta.url)
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES))

/** IntervalReadings in an ESPI file, by regex: every reading of these samples is an energy reading. */
const readingsIn = (xml: Buffer) => (xml.toString("utf8").match(/<(?:\w+:)?IntervalReading>/g) ?? []).length
/** Wh over every IntervalReading, by regex (the samples used with it are all uom 72, powerOfTenMultiplier 0). */
const whIn = (xml: Buffer) =>
  [...xml.toString("utf8").matchAll(/<(?:\w+:)?IntervalReading>[\s\S]*?<(?:\w+:)?value>(-?\d+)</g)].reduce((s, m) => s + Number(m[1]), 0)
/** Distinct usage points named in the file's `UsagePoint/<id>` hrefs. */
const usagePointsIn = (xml: Buffer) => new Set([...xml.toString("utf8").matchAll(/UsagePoint\/([^/"<]+)\/MeterReading/g)].map((m) => m[1]))

const upload = (h: Harness.Harness, token: string, path: string, file: Buffer, name: string, fields: Record<string, string>) => {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  form.set("file", new Blob([new Uint8Array(file)]), name)
  return h.request(path, { method: "POST", token, body: form })
}

const setup = async (options: { maxBytes?: number; batchRows?: number; store?: Store.StoreShape } = {}) => {
  const h = await Harness.make({
    uploads: makeGreenButtonUploads({ maxBytes: options.maxBytes ?? 50 * 1024 * 1024, batchRows: options.batchRows ?? 1000 }),
    ...(options.store === undefined ? {} : { store: options.store })
  })
  const user = await h.addUser(`u${Math.random()}@example.com`)
  return { h, user }
}

const intervalsOf = async (h: Harness.Harness, token: string, path: string) =>
  (await (await h.request(`/api/services/${path}`, { token })).json()) as Array<{ interval_kWh: number; source: string }>

describe("Green Button upload", () => {
  it("v1: an ESPI file becomes an account with a service per usage point, its intervals all stored; twice changes nothing", async () => {
    const { h, user } = await setup()
    const xml = fixture("gba-sample-batch-three-usagepoints-net-metering.xml")
    const res = await upload(h, user.token, "/api/services/import.json", xml, "Green_Button_Data.xml", { real_name: "Jane Customer" })
    expect(res.status).toBe(201)
    const body = await res.json() as {
      account: { uid: string; login: string; auth: string }
      services: Array<{ uid: string; utility_service_id: string; interval_count: number }>
      created: boolean
      intervals: { inserted: number; changed: number }
    }
    expect(body.created).toBe(true)
    expect(body.account.login).toBe("green_button_file")
    expect(body.account.auth).toBe("Jane Customer")
    expect(new Set(body.services.map((s) => s.utility_service_id))).toEqual(usagePointsIn(xml))
    expect(body.intervals).toEqual({ inserted: readingsIn(xml), changed: 0 })
    let stored = 0
    let kWh = 0
    for (const s of body.services) {
      for (const direction of ["delivered", "received"]) {
        const rows = await intervalsOf(h, user.token, `${s.uid}/intervals.json?direction=${direction}`)
        expect(rows.every((r) => r.source === "Green_Button_Data.xml")).toBe(true)
        stored += rows.length
        kWh += rows.reduce((t, r) => t + r.interval_kWh, 0)
      }
    }
    expect(stored).toBe(readingsIn(xml))
    expect(kWh).toBeCloseTo(whIn(xml) / 1000, 6)

    // The account reads back like any other.
    const account = await (await h.request(`/api/accounts/${body.account.uid}.json`, { token: user.token })).json() as { login: string }
    expect(account.login).toBe("green_button_file")

    const again = await upload(h, user.token, "/api/services/import.json", xml, "Green_Button_Data.xml", { real_name: "Jane Customer" })
    expect(again.status).toBe(200)
    const second = await again.json() as typeof body
    expect(second.created).toBe(false)
    expect(second.account.uid).toBe(body.account.uid)
    expect(second.intervals).toEqual({ inserted: 0, changed: 0 })
    expect(second.services.map((s) => s.uid).sort()).toEqual(body.services.map((s) => s.uid).sort())
    const accounts = await (await h.request("/api/accounts.json", { token: user.token })).json() as Array<unknown>
    expect(accounts).toHaveLength(1)
  })

  it("stores a file's bills (UsageSummaries) on its service", async () => {
    const { h, user } = await setup()
    const xml = fixture("pge-api-usagesummaries-line-items.xml")
    const summaries = (xml.toString("utf8").match(/<(?:\w+:)?UsageSummary[\s>]/g) ?? []).length
    const res = await upload(h, user.token, "/api/services/import.json", xml, "bills.xml", { real_name: "Jane" })
    expect(res.status).toBe(201)
    const body = await res.json() as { services: Array<{ uid: string; bill_count: number }> }
    expect(body.services).toHaveLength(1)
    expect(body.services[0]!.bill_count).toBe(summaries)
    const bills = await (await h.request(`/api/services/${body.services[0]!.uid}/bills.json`, { token: user.token })).json() as Array<unknown>
    expect(bills).toHaveLength(summaries)
  })

  it("reads a utility CSV", async () => {
    const { h, user } = await setup()
    const csv = fixture("pge-dmd-electric-hourly-nem-import-export-2025.csv")
    // One data row per hour and direction: the lines that start with a date-like "Electric usage" record.
    const dataRows = csv.toString("utf8").split(/\r?\n/).filter((l) => /^Electric usage,/.test(l)).length
    const res = await upload(h, user.token, "/api/services/import.json", csv, "pge.csv", { real_name: "Jane" })
    expect(res.status).toBe(201)
    const body = await res.json() as { services: Array<{ interval_count: number }> }
    expect(body.services.reduce((n, s) => n + s.interval_count, 0)).toBe(dataRows)
  })

  // The test builds its zip with the system's Info-ZIP `zip`, as greenbutton's CLI test does.
  it.skipIf(spawnSync("zip", ["-v"]).status !== 0)("reads the .zip as downloaded, every file inside it", async () => {
    const { h, user } = await setup()
    const dir = mkdtempSync(join(tmpdir(), "mb-zip-"))
    try {
      const names = ["gba-sample-hourly-2011-03-dst-spring.xml", "gba-sample-batch-three-usagepoints-net-metering.xml"]
      const zip = join(dir, "Green_Button_Data.zip")
      expect(spawnSync("zip", ["-j", "-q", zip, ...names.map((n) => fileURLToPath(new URL(n, FIXTURES)))]).status).toBe(0)
      const res = await upload(h, user.token, "/api/services/import.json", readFileSync(zip), "Green_Button_Data.zip", { real_name: "Jane" })
      expect(res.status).toBe(201)
      const body = await res.json() as { services: Array<unknown>; intervals: { inserted: number } }
      expect(body.intervals.inserted).toBe(names.reduce((n, f) => n + readingsIn(fixture(f)), 0))
      expect(body.services).toHaveLength(names.reduce((n, f) => n + usagePointsIn(fixture(f)).size, 0))
      // Gzip-compressed, as some utilities hand it out.
      const gz = await upload(h, user.token, "/api/services/import.json", gzipSync(fixture(names[0]!)), "Green_Button_Data.xml.gz", { real_name: "Jane" })
      expect(gz.status).toBe(201)
      expect((await gz.json() as typeof body).intervals.inserted).toBe(readingsIn(fixture(names[0]!)))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("v2: answers the authorization with its meters", async () => {
    const { h, user } = await setup()
    const xml = fixture("gba-sample-hourly-2011-03-dst-spring.xml")
    const res = await upload(h, user.token, "/api/v2/imports", xml, "hourly.xml", { signature: "Jane Customer" })
    expect(res.status).toBe(201)
    const body = await res.json() as { uid: string; meters: { meters: Array<{ uid: string }> }; imported: { intervals: { inserted: number } } }
    expect(body.meters.meters).toHaveLength(1)
    expect(body.imported.intervals.inserted).toBe(readingsIn(xml))
    const meter = await h.request(`/api/v2/meters/${body.meters.meters[0]!.uid}`, { token: user.token })
    expect(meter.status).toBe(200)
  })

  it("refuses what is not Green Button, a missing signature, and a file over the limit, writing nothing", async () => {
    const { h, user } = await setup({ maxBytes: 10_000 })
    const html = Buffer.from("<html><body>Your bill</body></html>")
    const notGb = await upload(h, user.token, "/api/services/import.json", html, "bill.html", { real_name: "Jane" })
    expect(notGb.status).toBe(415)
    expect((await notGb.json() as { error: string }).error).toBe("not_green_button")
    const json = await upload(h, user.token, "/api/services/import.json", Buffer.from("{\"a\": 1}"), "x.json", { real_name: "Jane" })
    expect(json.status).toBe(415)

    // Cut mid-element: the parser's error, not a half-read file.
    const cut = fixture("gba-sample-batch-three-usagepoints-net-metering.xml").subarray(0, 5_000)
    const broken = await upload(h, user.token, "/api/services/import.json", cut, "cut.xml", { real_name: "Jane" })
    expect(broken.status).toBe(415)

    const big = await upload(h, user.token, "/api/services/import.json", fixture("gba-sample-hourly-2011-03-dst-spring.xml"), "big.xml", { real_name: "Jane" })
    expect(big.status).toBe(413)

    const notMultipart = await h.request("/api/services/import.json", { method: "POST", token: user.token, json: { real_name: "Jane" } })
    expect(notMultipart.status).toBe(415)

    const accounts = await (await h.request("/api/accounts.json", { token: user.token })).json() as Array<unknown>
    expect(accounts).toHaveLength(0)
  })

  it("a large file that is not Green Button is refused once it has arrived, writing nothing", async () => {
    const { h, user } = await setup()
    // Refused at its first element while megabytes are still arriving: the rest is read and dropped, then the answer.
    const junk = Buffer.concat([Buffer.from("<html><body>"), Buffer.alloc(3_000_000, "x")])
    const res = await upload(h, user.token, "/api/services/import.json", junk, "page.html", { real_name: "Jane" })
    expect(res.status).toBe(415)
    const accounts = await (await h.request("/api/accounts.json", { token: user.token })).json() as Array<unknown>
    expect(accounts).toHaveLength(0)
  })

  it("without the customer's name, nothing is written", async () => {
    const { h, user } = await setup()
    const res = await upload(h, user.token, "/api/services/import.json", fixture("gba-sample-hourly-2011-03-dst-spring.xml"), "a.xml", {})
    expect(res.status).toBe(400)
    expect((await res.json() as { field: string }).field).toBe("real_name")
    const accounts = await (await h.request("/api/accounts.json", { token: user.token })).json() as Array<unknown>
    expect(accounts).toHaveLength(0)
  })

  it("a Store failure part-way leaves no account, service or interval behind", async () => {
    const base = MemoryStore.make()
    let writes = 0
    const store: Store.StoreShape = {
      ...base,
      upsertIntervals: (rows) => ++writes === 1 ? base.upsertIntervals(rows) : Effect.fail(new Store.StoreError({ message: "disk full" }))
    }
    const { h, user } = await setup({ store })
    // Two usage points with readings spread over batches: the second write fails after the first landed.
    const csv = fixture("pge-dmd-electric-hourly-nem-import-export-2025.csv")
    const res = await upload(h, user.token, "/api/services/import.json", csv, "pge.csv", { real_name: "Jane" })
    expect(res.status).toBe(500)
    expect(writes).toBeGreaterThan(1)
    const accounts = await (await h.request("/api/accounts.json", { token: user.token })).json() as Array<unknown>
    expect(accounts).toHaveLength(0)
    const services = await h.run(Store.Store.use((s) => s.listServices(user.uid)))
    expect(services).toHaveLength(0)
  })
})
