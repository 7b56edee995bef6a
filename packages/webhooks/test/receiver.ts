/**
 * A webhook receiver on 127.0.0.1 that checks every request the way real receivers do, independently of the
 * library under test: Standard Webhooks with the reference `standardwebhooks` package, UtilityAPI's scheme with
 * node:crypto over the raw body.
 */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "standardwebhooks"

export interface Received {
  readonly path: string
  readonly body: Buffer
  readonly headers: IncomingMessage["headers"]
  /** `Webhook.verify` from the reference library accepted it. */
  readonly standardValid: boolean
  /** sha256(secret.salt.body) equals X-UtilityAPI-Webhook-Signature. */
  readonly utilityApiValid: boolean
}

export type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void

export interface Receiver {
  readonly url: string
  readonly port: number
  readonly received: Array<Received>
  /** Requests that reached the server at all (including ones closed before a body). */
  readonly hits: () => number
  readonly close: () => Promise<void>
}

const header = (h: IncomingMessage["headers"], name: string) => {
  const v = h[name]
  return Array.isArray(v) ? v.join(", ") : v ?? ""
}

export const startReceiver = async (secret: string, routes: Record<string, Route> = {}): Promise<Receiver> => {
  const received: Array<Received> = []
  let hits = 0
  const wh = new Webhook(secret)
  const server = createServer((req, res) => {
    hits++
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      let standardValid = false
      try {
        wh.verify(body, {
          "webhook-id": header(req.headers, "webhook-id"),
          "webhook-timestamp": header(req.headers, "webhook-timestamp"),
          "webhook-signature": header(req.headers, "webhook-signature")
        })
        standardValid = true
      } catch {
        standardValid = false
      }
      const salt = header(req.headers, "x-utilityapi-webhook-salt")
      const expected = createHash("sha256").update(Buffer.concat([Buffer.from(`${secret}.${salt}.`), body])).digest("hex")
      const utilityApiValid = salt !== "" && expected === header(req.headers, "x-utilityapi-webhook-signature")
      const path = req.url ?? "/"
      received.push({ path, body, headers: req.headers, standardValid, utilityApiValid })
      const route = routes[path]
      if (route) route(req, res, body)
      else res.writeHead(200, { "content-type": "text/plain" }).end("ok")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
