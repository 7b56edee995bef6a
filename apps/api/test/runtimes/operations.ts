/**
 * What an operator relies on beside the tour, over HTTP: `/healthz` and
 * `/readyz`, and the per-address limit for requests without credentials,
 * which names the client by the peer address (on Workers `CF-Connecting-IP`)
 * or, from a trusted proxy, by `X-Forwarded-For` (the suite's servers trust 127.0.0.1 and allow 5
 * anonymous requests per second per address); and Green Button uploads,
 * which stream to a spool where the runtime has one (Node, Bun).
 */
import { readFile } from "node:fs/promises"
import type { Answer } from "./tour.ts"

export interface Operations {
  readonly healthz: { readonly status: number; readonly body: string }
  readonly readyz: { readonly status: number; readonly body: string }
  /** Statuses of a burst of anonymous requests from the peer itself… */
  readonly direct: ReadonlyArray<number>
  /** …and of as many, each naming a different client through X-Forwarded-For. */
  readonly forwarded: ReadonlyArray<number>
}

const BURST = 12

export const operations = async (base: string): Promise<Operations> => {
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${base}${path}`, { headers })
    return { status: r.status, body: await r.text() }
  }
  const healthz = await get("/healthz")
  const readyz = await get("/readyz")
  const forwarded = await Promise.all(Array.from({ length: BURST }, (_, i) => get("/api/services.json", { "x-forwarded-for": `203.0.113.${i + 1}` })))
  const direct = await Promise.all(Array.from({ length: BURST }, () => get("/api/services.json")))
  return { healthz, readyz, direct: direct.map((r) => r.status), forwarded: forwarded.map((r) => r.status) }
}

const FIXTURE = new URL("../../../../packages/greenbutton/test/fixtures/gba-sample-batch-three-usagepoints-net-metering.xml", import.meta.url)

/** Usage points created together tie on "newest first" and fall to their random uids: listed here by their own ids. */
const sorted = (body: string): string => {
  let parsed: { services?: Array<{ utility_service_id: string }>; meters?: { meters: Array<{ base?: { service_identifier?: string } }> } }
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {
    return body
  }
  const key = (m: unknown) => JSON.stringify(m).replace(/\b[0-9a-f]{16}\b/g, "")
  parsed.services?.sort((a, b) => (a.utility_service_id < b.utility_service_id ? -1 : 1))
  parsed.meters?.meters.sort((a, b) => (key(a) < key(b) ? -1 : 1))
  return JSON.stringify(parsed)
}

/** A customer's Green Button file uploaded on v1, then again on v2 (where it changes nothing): each surface's answer. */
export const uploads = async (base: string, token: string): Promise<ReadonlyArray<Answer>> => {
  const file = new Blob([await readFile(FIXTURE)], { type: "application/xml" })
  const send = async (request: string, fields: Record<string, string>, auth: string): Promise<Answer> => {
    const form = new FormData()
    for (const [k, v] of Object.entries(fields)) form.set(k, v)
    form.set("file", file, "Green_Button_Data.xml")
    const r = await fetch(`${base}${request.split(" ")[1]}`, { method: "POST", headers: { authorization: auth }, body: form })
    return { request, status: r.status, type: r.headers.get("content-type") ?? "", body: sorted(await r.text()) }
  }
  return [
    await send("POST /api/services/import.json", { real_name: "Jane Customer" }, `Token ${token}`),
    await send("POST /api/v2/imports", { signature: "Jane Customer" }, `Bearer ${token}`)
  ]
}
