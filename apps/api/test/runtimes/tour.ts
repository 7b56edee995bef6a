/**
 * The README's tour as a black box, over HTTP only: what a client sees on
 * any runtime. `transcript` records every answer; `normalize` removes what
 * must differ between two servers (random uids, the instants of this run),
 * so transcripts from different runtimes compare byte for byte.
 */
export interface Answer {
  readonly request: string
  readonly status: number
  readonly type: string
  readonly body: string
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const tour = async (base: string, token: string): Promise<ReadonlyArray<Answer>> => {
  const answers: Array<Answer> = []
  const call = async (request: string, init: RequestInit & { auth?: string | null } = {}): Promise<Answer> => {
    const [method, path] = request.split(" ") as [string, string]
    const headers = new Headers(init.headers)
    if (init.auth !== null) headers.set("authorization", init.auth ?? `Token ${token}`)
    const r = await fetch(`${base}${path}`, { ...init, method, headers })
    const answer = { request, status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() }
    answers.push(answer)
    return answer
  }

  await call("GET /api/services.json", { auth: null })
  await call("GET /api/services.json", { auth: "Token mbt_not_a_token" })
  await call("GET /api/accounts/add.json")
  await call("GET /api/services/0000000000000000.json")
  const added = await call("POST /api/accounts/add.json", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ utility: "DEMO", auth_type: "owner", real_name: "John Doe", utility_username: "test", utility_password: "test" })
  })
  const account = (JSON.parse(added.body) as { uid: string }).uid
  // Collection runs in the runtime's worker (Workers: its `scheduled` handler).
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/api/accounts/${account}.json`, { headers: { authorization: `Token ${token}` } })
    const status = ((await r.json()) as { latest?: { type?: string } }).latest?.type
    if (status === "updated") break
    if (i > 600) throw new Error(`the DEMO account did not finish collecting (status ${status})`)
    await sleep(100)
  }
  // …and every service of it has its own latest (Workers runs the service jobs on later scheduled events).
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/api/services.json`, { headers: { authorization: `Token ${token}` } })
    const list = (await r.json()) as Array<{ latest?: { type?: string } }>
    if (list.length > 0 && list.every((s) => s.latest?.type === "updated")) break
    if (i > 600) throw new Error("the DEMO services did not finish collecting")
    await sleep(100)
  }
  await call(`GET /api/accounts/${account}.json`)
  // Services created together tie on "newest first", and ties fall to their (random) uids: the transcript keeps
  // each service's bytes but lists them in an order of their own (the utility's ids).
  const listed = await call("GET /api/services.json")
  const key = (s: { utility_service_id: string; utility_meter_number: string }) => `${s.utility_service_id}/${s.utility_meter_number}`
  const items = [...listed.body.matchAll(/\{"uid":.*?"utility_meter_number":"[^"]*"/g)].map((m) => m[0])
  const services = (JSON.parse(listed.body) as Array<{ uid: string; utility_service_id: string; utility_meter_number: string }>)
    .map((s, i) => ({ ...s, text: items[i] ?? "" }))
    .sort((a, b) => (key(a) < key(b) ? -1 : 1))
  answers[answers.length - 1] = { ...listed, body: `(sorted)\n${services.map((s) => s.text).join("\n")}` }
  for (const s of services) {
    await call(`GET /api/services/${s.uid}.json`)
    await call(`GET /api/services/${s.uid}/bills.json`)
    await call(`GET /api/services/${s.uid}/bills.csv`)
    await call(`GET /api/services/${s.uid}/intervals.json`)
    await call(`GET /api/services/${s.uid}/intervals.csv`)
  }
  const v2 = await call("GET /api/v2/authorizations?include=meters", { auth: `Bearer ${token}` })
  // The same tie as services.json: meters in an order of their own (re-serialized, so marked).
  const parsed = JSON.parse(v2.body) as { authorizations: Array<{ meters?: { meters: Array<{ base?: { meter_numbers?: Array<string> } }> } }> }
  const meterKey = (m: unknown) => JSON.stringify(m).replace(/\b[0-9a-f]{16}\b/g, "").replace(INSTANT, "")
  for (const a of parsed.authorizations) a.meters?.meters.sort((x, y) => (meterKey(x) < meterKey(y) ? -1 : 1))
  answers[answers.length - 1] = { ...v2, body: `(meters sorted)\n${JSON.stringify(parsed)}` }
  await call("GET /api/v2/authorizations/0000000000000000", { auth: `Bearer ${token}` })
  return answers
}

const INSTANT = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)/g

/**
 * Replaces the server's origin by `<base>`, each uid (16 hex digits) by its
 * order of first appearance, and every instant after `since` (this run's
 * timestamps: created, updated, expiries counted from now) by `<now>`.
 * Utility data (bills, intervals) dates from before the run and stays as it is.
 */
export const normalize = (answers: ReadonlyArray<Answer>, base: string, since: number): ReadonlyArray<string> => {
  const uids = new Map<string, string>()
  return answers.map((a) => `${a.request}\n${a.status} ${a.type}\n${a.body}`
    .replaceAll(base, "<base>")
    .replace(/\b[0-9a-f]{16}\b/g, (uid) => {
      if (uid === "0000000000000000") return uid
      if (!uids.has(uid)) uids.set(uid, `<uid${uids.size + 1}>`)
      return uids.get(uid)!
    })
    .replace(INSTANT, (instant) => {
      const ms = Date.parse(instant.replace(" ", "T"))
      return ms >= since ? "<now>" : instant
    }))
}

/** Where two transcripts first differ (the answer and its line), or undefined when they are equal byte for byte. */
export const firstDifference = (actual: ReadonlyArray<string>, expected: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i] ?? "", e = expected[i] ?? ""
    if (a === e) continue
    const al = a.split("\n"), el = e.split("\n")
    const line = al.findIndex((l, j) => l !== el[j])
    const at = line === -1 ? al.length : line
    const x = al[at] ?? "", y = el[at] ?? ""
    let c = 0
    while (c < x.length && x[c] === y[c]) c++
    const around = (t: string) => JSON.stringify(t.slice(Math.max(0, c - 80), c + 120))
    return `answer ${i + 1} (${(e || a).split("\n")[0]}), line ${at + 1}, column ${c + 1}:\n  expected ${around(y)}\n  actual   ${around(x)}`
  }
  return undefined
}
