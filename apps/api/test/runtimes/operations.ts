/**
 * What an operator relies on beside the tour, over HTTP: `/healthz` and
 * `/readyz`, and the per-address limit for requests without credentials,
 * which names the client by the peer address or, from a trusted proxy, by
 * `X-Forwarded-For` (the suite's servers trust 127.0.0.1 and allow 5
 * anonymous requests per second per address).
 */
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
