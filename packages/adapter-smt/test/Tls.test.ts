/** SMT's mutual TLS: the sandbox behind an HTTPS server that asks for a client certificate. */
import { serve } from "@hono/node-server"
import { readFileSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeSandbox } from "../src/SmtSandbox.ts"
import * as SmtCollector from "../src/SmtCollector.ts"

const pem = (name: string) => readFileSync(fileURLToPath(new URL(`fixtures/tls/${name}`, import.meta.url)), "utf8")
const sandbox = makeSandbox({ requireClientCertificate: true })
let server: ReturnType<typeof serve>
let baseUrl: string

beforeAll(async () => {
  server = await new Promise((resolve) => {
    const s = serve({
      fetch: sandbox.app.fetch,
      createServer,
      // Unverified clients are let through the handshake so the sandbox can answer like SMT, with a JSON 403.
      serverOptions: { key: pem("server.key"), cert: pem("server.crt"), ca: pem("ca.crt"), requestCert: true, rejectUnauthorized: false },
      port: 0,
      hostname: "127.0.0.1"
    }, () => resolve(s))
  })
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const collector = (cert: string, key: string) =>
  SmtCollector.make({
    baseUrl,
    username: sandbox.username,
    password: sandbox.password,
    requestorId: sandbox.requestorId,
    duns: sandbox.duns,
    tls: { cert: pem(cert), key: pem(key), ca: pem("ca.crt") }
  })
const test = { esiid: "123456789", meter_number: "123123", rep: "TEST REP (99999)", email: "t@example.com" }
const context = { accountUid: "a", callbackUrl: "http://127.0.0.1:9/", registration: "pending" } as const

describe("mutual TLS", () => {
  it("authorizes and lists services with the registered client certificate", async () => {
    const c = collector("client.crt", "client.key")
    const auth = await Effect.runPromise(c.authorize(test, context))
    expect(auth._tag).toBe("Authorized")
    const services = await Effect.runPromise(c.listServices(auth.grant))
    expect(services.map((s) => s.utility_service_id)).toEqual(["123456789"])
  })

  it("is refused with a certificate SMT does not know, as a deployment problem", async () => {
    const exit = await Effect.runPromiseExit(collector("rogue.crt", "rogue.key").authorize(test, context))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      expect(fail?._tag === "Fail" && fail.error.reason).toBe("ProtocolError")
      expect(fail?._tag === "Fail" && fail.error.message).toMatch(/HTTP 403: A registered client certificate is required/)
    }
  })
})
