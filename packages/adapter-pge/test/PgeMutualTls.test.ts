/**
 * PG&E refuses any API call without the client certificate registered with Share My Data. The sandbox is served
 * over HTTPS with `requestCert` and `rejectUnauthorized`, as PG&E's endpoint behaves; certificates are made fresh
 * for each run with the openssl CLI (skipped where it is missing).
 */
import type { Collector, CollectorError } from "@meterbridge/core"
import { serve } from "@hono/node-server"
import { Customer, Expected } from "@meterbridge/greenbutton/sandbox"
import { Effect, Exit, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, fetch as undiciFetch } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgeCollector } from "../src/index.ts"
import { PgeSandbox } from "../src/sandbox.ts"

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const context: Collector.AuthorizeContext = { accountUid: "a", callbackUrl: "https://meterbridge.example/api/oauth/callback", registration: "live" }

const failure = async <A>(effect: Effect.Effect<A, CollectorError.CollectorError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}

describe.skipIf(!hasOpenssl)("PG&E over mutual TLS", () => {
  const dir = hasOpenssl ? mkdtempSync(join(tmpdir(), "mb-pge-tls-")) : ""
  const pem = (name: string) => readFileSync(join(dir, name), "utf8")
  const sandbox = PgeSandbox.makeSandbox({ redirectUris: [context.callbackUrl] })
  let baseUrl = ""
  let close: () => Promise<void> = async () => undefined
  /** The customer's browser: trusts the test CA; PG&E's consent host is not behind mutual TLS, ours is, so it has a cert too. */
  let browser: typeof fetch

  beforeAll(async () => {
    const ssl = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" })
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Meterbridge Test CA")
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n")
    for (const who of ["server", "client"]) {
      ssl("req", ...ec, "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who}`)
      ssl("x509", "-req", "-in", `${who}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${who}.crt`, "-days", "2",
        ...(who === "server" ? ["-extfile", "san.ext"] : []))
    }
    ssl("req", "-x509", ...ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2", "-subj", "/CN=rogue")
    const server = serve({
      fetch: sandbox.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      createServer,
      serverOptions: { key: pem("server.key"), cert: pem("server.crt"), ca: pem("ca.crt"), requestCert: true, rejectUnauthorized: true }
    })
    await new Promise<void>((r) => server.once("listening", () => r()))
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () => new Promise<void>((done) => server.close(() => done()))
    const agent = new Agent({ connect: { ca: pem("ca.crt"), cert: pem("client.crt"), key: pem("client.key") } })
    browser = ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch
  })
  afterAll(async () => {
    await close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const collectorWith = (tls: { cert: string; key: string; ca: string }) =>
    PgeCollector.make({
      baseUrl,
      clientId: PgeSandbox.SANDBOX_CLIENT_ID,
      clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET,
      tls,
      timeoutMs: 5_000
    })

  it("authorizes and collects with the registered client certificate", async () => {
    const collector = collectorWith({ cert: pem("client.crt"), key: pem("client.key"), ca: pem("ca.crt") })
    const pending = await Effect.runPromise(collector.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const query = await Customer.playCustomer(pending.url!, { fetch: browser })
    const auth = await Effect.runPromise(collector.resumeAuthorization!(pending.grant, query))
    if (auth._tag !== "Authorized") throw new Error("expected Authorized")
    const services = await Effect.runPromise(collector.listServices(auth.grant))
    expect(services.map((s) => s.utility_service_id)).toEqual(["3000000001", "3000000002"])
    const window = { start: Date.UTC(2024, 5, 1) * 1000, end: Date.UTC(2024, 5, 4) * 1000 }
    const intervals = Array.from(await Effect.runPromise(Stream.runCollect(collector.collectIntervals(auth.grant, services[1]!, window))))
    const office = sandbox.dataset[0]!.usagePoints[1]!
    expect(intervals.length).toBe(Expected.intervals(office, window, "delivered").count)
  })

  it("a certificate PG&E does not know cannot even reach the token endpoint", async () => {
    const rogue = collectorWith({ cert: pem("rogue.crt"), key: pem("rogue.key"), ca: pem("ca.crt") })
    const pending = await Effect.runPromise(rogue.authorize({}, context))
    if (pending._tag !== "AwaitingCustomer") throw new Error("expected AwaitingCustomer")
    const query = await Customer.playCustomer(pending.url!, { fetch: browser })
    const error = await failure(rogue.resumeAuthorization!(pending.grant, query))
    expect(error.reason).toBe("UtilityUnavailable")
    expect(error.message).toContain("could not reach")
  })
})

describe("PG&E configuration", () => {
  it("refuses to run against PG&E without a client certificate", () => {
    expect(() => PgeCollector.make({ clientId: "id", clientSecret: "secret" })).toThrow(PgeCollector.MissingClientCertificate)
  })

  it("uses PG&E's published endpoints and describes the Connect access method", () => {
    expect(PgeCollector.PRODUCTION_ENDPOINTS.resourceBaseUrl).toBe("https://api.pge.com/GreenButtonConnect/espi/1_1/resource")
    expect(PgeCollector.info.login).toBe("green_button_connect")
    expect(PgeCollector.info.options.map((set) => set.map((f) => f.name))).toEqual([["utility_username"], []])
    expect(PgeCollector.DEFAULT_SCOPE).toMatch(/^FB=[\d_]+;IntervalDuration=900_3600;BlockDuration=daily;HistoryLength=63072000$/)
  })
})
