/**
 * One POST to SMT: HTTP Basic always, mutual TLS when a client certificate is
 * configured. `fetch` cannot present a client certificate portably, so the
 * mTLS path loads `node:https` lazily and the adapter stays runtime-neutral
 * without it.
 */
import { CollectorError } from "@meterbridge/core"
import { Effect } from "effect"
import type { Reply } from "./Errors.ts"

/** PEM strings (or Buffers) for SMT's mutual TLS. `ca` pins the server's chain when it is not publicly trusted (the sandbox). */
export interface TlsOptions {
  readonly cert: string | Uint8Array
  readonly key: string | Uint8Array
  readonly ca?: string | Uint8Array
}

export interface Transport {
  readonly baseUrl: string
  readonly username: string
  readonly password: string
  readonly tls?: TlsOptions | undefined
  readonly timeoutMs: number
  readonly fetch?: typeof globalThis.fetch | undefined
}

const basic = (t: Transport) => {
  let binary = ""
  for (const byte of new TextEncoder().encode(`${t.username}:${t.password}`)) binary += String.fromCharCode(byte)
  return `Basic ${btoa(binary)}`
}

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

const viaFetch = async (t: Transport, url: URL, payload: string): Promise<Reply> => {
  const res = await (t.fetch ?? globalThis.fetch)(url, {
    method: "POST",
    headers: { authorization: basic(t), "content-type": "application/json", accept: "application/json" },
    body: payload,
    signal: AbortSignal.timeout(t.timeoutMs)
  })
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    contentType: res.headers.get("content-type"),
    text: await res.text()
  }
}

const viaHttps = async (t: Transport, tls: TlsOptions, url: URL, payload: string): Promise<Reply> => {
  const https = await import("node:https")
  return new Promise<Reply>((resolve, reject) => {
    const req = https.request(url, {
      method: "POST",
      cert: tls.cert as string,
      key: tls.key as string,
      ...(tls.ca ? { ca: tls.ca as string } : {}),
      headers: {
        authorization: basic(t),
        "content-type": "application/json",
        accept: "application/json",
        "content-length": new TextEncoder().encode(payload).length
      },
      timeout: t.timeoutMs
    }, (res) => {
      const chunks: Array<Uint8Array> = []
      res.on("data", (c: Uint8Array) => chunks.push(c))
      res.on("error", reject)
      res.on("end", () => {
        const header = (name: string) => {
          const v = res.headers[name]
          return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v
        }
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: header("retry-after"),
          contentType: header("content-type"),
          text: new TextDecoder().decode(concat(chunks))
        })
      })
    })
    req.on("timeout", () => req.destroy(new Error(`no answer within ${t.timeoutMs} ms`)))
    req.on("error", reject)
    req.end(payload)
  })
}

/** POSTs JSON to `path`; a connection failure or timeout is `UtilityUnavailable`. */
export const post = (t: Transport, path: string, body: unknown, what: string): Effect.Effect<Reply, CollectorError.CollectorError> =>
  Effect.tryPromise({
    try: () => {
      const url = new URL(path.replace(/^\//, ""), t.baseUrl.endsWith("/") ? t.baseUrl : `${t.baseUrl}/`)
      const payload = JSON.stringify(body)
      return t.tls ? viaHttps(t, t.tls, url, payload) : viaFetch(t, url, payload)
    },
    catch: (e) =>
      CollectorError.unavailable(
        `Could not reach Smart Meter Texas for ${what}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}; retry later`
      )
  })
