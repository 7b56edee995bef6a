/**
 * At least once across a crash: the real Node entrypoint on SQLite is killed with SIGKILL while a delivery is in
 * flight (events committed with their data, not yet delivered); the next process delivers every event, and the one
 * cut off arrives again under the same `webhook-id`.
 */
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { apiWith, startServer, until } from "./server.ts"
import { type Receiver, startReceiver } from "../../../packages/webhooks/test/receiver.ts"

const dir = mkdtempSync(join(tmpdir(), "mb-hooks-"))
const TOKEN = "bootstrap-token-for-the-webhook-restart-test"
const children: Array<ChildProcess> = []
let receiver: Receiver | undefined
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
  await receiver?.close()
  rmSync(dir, { recursive: true, force: true })
})

const start = () =>
  startServer(dir, {
    DATABASE_URL: `sqlite:${join(dir, "main.db")}`,
    METERBRIDGE_BOOTSTRAP_TOKEN: TOKEN,
    METERBRIDGE_WEBHOOK_ALLOW_PRIVATE: "1",
    METERBRIDGE_WORKER_LEASE_MS: "1500",
    METERBRIDGE_WEBHOOK_LEASE_MS: "1500",
    METERBRIDGE_WEBHOOK_POLL_MS: "50",
    METERBRIDGE_WORKER_POLL_MS: "100",
    METERBRIDGE_LOG_REQUESTS: "0"
  }, (child) => children.push(child))

const api = apiWith(TOKEN)

describe("webhooks across a crash", () => {
  it("a server killed mid-delivery delivers every event after a restart; the duplicate keeps its webhook-id", async () => {
    const first = await start()
    const created = (await (await api(first.base, "/v2/webhooks", { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/" }) })).json()) as { uid: string; secret: string }
    // The first request is held open: the server is killed while it waits for the reply.
    let held: string | undefined
    let reachedHeld: () => void = () => {}
    const reached = new Promise<void>((r) => (reachedHeld = r))
    receiver = await startReceiver(created.secret, {
      "/hook": (req, res) => {
        if (held === undefined) {
          held = String(req.headers["webhook-id"])
          reachedHeld()
          return
        }
        res.writeHead(200).end("ok")
      }
    })
    expect((await api(first.base, `/v2/webhooks/${created.uid}`, { method: "PATCH", body: JSON.stringify({ url: `${receiver.url}/hook` }) })).status).toBe(200)
    const added = await api(first.base, "/accounts/add.json", {
      method: "POST",
      body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: "J", utility_username: "test", utility_password: "test" })
    })
    expect(added.status).toBe(200)
    await reached
    first.child.kill("SIGKILL")
    await new Promise((r) => first.child.once("exit", r))

    const second = await start()
    const services = await until("collection finished", async () => {
      const list = (await (await api(second.base, "/services.json")).json()) as Array<{ uid: string; latest?: { type: string } }>
      return list.length > 0 && list.every((s) => s.latest?.type === "updated") ? list : undefined
    }, 90_000)
    const events = await until("every event delivered", async () => {
      const body = (await (await api(second.base, "/v2/events?limit=1000")).json()) as { events: Array<{ uid: string; type: string; is_delivered: boolean }> }
      return body.events.every((e) => e.is_delivered) ? body.events : undefined
    })
    const ids = receiver.received.map((r) => String(r.headers["webhook-id"]))
    // None lost: every event reached the receiver, every request verified under both schemes.
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.uid)))
    expect(receiver.received.every((r) => r.standardValid && r.utilityApiValid)).toBe(true)
    // The delivery cut off by the crash came again with the same id.
    expect(ids.filter((id) => id === held).length).toBe(2)
    const types = events.map((e) => e.type)
    for (const t of ["authorization_created", "meter_created", "meter_bills_added", "meter_historical_collection_finished_successful"]) expect(types).toContain(t)
    expect(services.length).toBeGreaterThan(0)
    second.child.kill("SIGTERM")
    expect(await new Promise((r) => second.child.once("exit", r))).toBe(0)
  }, 180_000)
})
