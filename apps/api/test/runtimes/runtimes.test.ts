/**
 * The runtime suite (`pnpm test:runtimes`): the same black-box tour against
 * the server on Node, Bun and workerd; every answer must equal Node's byte
 * for byte once random uids and this run's instants are normalized. Workers
 * runs when PostgreSQL is available (`MB_TEST_POSTGRES_URL`, as in CI).
 *
 * DEMO's data ends at the current quarter hour, so the tours run side by
 * side, and again if a quarter hour struck between them.
 */
import { afterAll, describe, expect, it } from "vitest"
import { live, type RuntimeName, start } from "./launch.ts"
import { type Operations, operations, uploads } from "./operations.ts"
import { type Answer, firstDifference, normalize, tour } from "./tour.ts"

const POSTGRES = process.env["MB_TEST_POSTGRES_URL"]
const RUNTIMES: ReadonlyArray<RuntimeName> = POSTGRES ? ["node", "bun", "workers"] : ["node", "bun"]
const QUARTER_HOUR = 15 * 60_000

interface Run {
  readonly answers: ReadonlyArray<Answer>
  readonly transcript: ReadonlyArray<string>
  readonly slots: string
  readonly operations: Operations
  /** The upload answers, normalized as the tour's. */
  readonly uploads: ReadonlyArray<string>
}

const runAll = async (): Promise<Map<RuntimeName, Run>> => {
  const servers = await Promise.all(RUNTIMES.map((name) => start(name, POSTGRES)))
  try {
    const since = Date.now() - 60_000
    const runs = await Promise.all(servers.map(async (server) => {
      const first = Math.floor(Date.now() / QUARTER_HOUR)
      try {
        const answers = await tour(server.base, server.token)
        const slots = `${first}-${Math.floor(Date.now() / QUARTER_HOUR)}`
        const uploaded = normalize(await uploads(server.base, server.token), server.base, since)
        return [server.name, { answers, transcript: normalize(answers, server.base, since), slots, operations: await operations(server.base), uploads: uploaded }] as const
      } catch (e) {
        throw new Error(`${server.name}: ${e instanceof Error ? e.message : String(e)}\n--- its output ---\n${server.output().slice(-4000)}`)
      }
    }))
    return new Map(runs)
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
}

afterAll(async () => {
  await Promise.all([...live].map((s) => s.stop()))
})

describe("the same server on every runtime", () => {
  let runs: Map<RuntimeName, Run>

  it(`runs the tour on ${RUNTIMES.join(", ")}`, async () => {
    for (let attempt = 0; ; attempt++) {
      runs = await runAll()
      if (new Set([...runs.values()].map((r) => r.slots)).size === 1 || attempt === 2) break
    }
  }, 240_000)

  it("Node answers as the API promises (the reference transcript)", () => {
    const answers = runs.get("node")!.answers
    const by = (request: string) => answers.find((a) => a.request.startsWith(request))!
    expect(by("GET /api/services.json").status).toBe(401)
    expect(by("GET /api/services/0000000000000000.json").status).toBe(404)
    expect(by("GET /api/v2/authorizations/0000000000000000").status).toBe(404)
    expect(JSON.parse(by("GET /api/v2/authorizations?").body.replace("(meters sorted)\n", "")).authorizations.length).toBe(1)
    const intervals = JSON.parse(answers.find((a) => /intervals\.json$/.test(a.request))!.body) as Array<unknown>
    const csv = answers.find((a) => /intervals\.csv$/.test(a.request))!.body.trim().split("\n")
    expect(intervals.length).toBeGreaterThan(35_000)
    expect(csv.length).toBe(intervals.length + 1)
  })

  it.each(RUNTIMES.filter((r) => r !== "node"))("%s: every answer equals Node's", (name) => {
    expect(firstDifference(runs.get(name)!.transcript, runs.get("node")!.transcript)).toBeUndefined()
  })

  it.each(RUNTIMES)("%s: /healthz says the process is up, /readyz that the Store answers with every migration applied", (name) => {
    const { healthz, readyz } = runs.get(name)!.operations
    expect(healthz).toEqual({ status: 200, body: JSON.stringify({ status: "ok" }) })
    expect(readyz.status).toBe(200)
    const ready = JSON.parse(readyz.body) as { status: string; checks: Record<string, { ok: boolean }> }
    expect(ready.status).toBe("ready")
    expect(ready.checks["database"]?.ok).toBe(true)
    expect(ready.checks["migrations"]?.ok).toBe(true)
  })

  // Workers names the peer by CF-Connecting-IP (127.0.0.1 under `wrangler dev`, which runs one isolate, so one window).
  it.each(RUNTIMES)("%s: anonymous requests are limited per client address, named by a trusted proxy", (name) => {
    const { direct, forwarded } = runs.get(name)!.operations
    expect(forwarded.every((s) => s === 401)).toBe(true)
    expect(direct.filter((s) => s === 429).length).toBeGreaterThan(0)
    expect(direct.every((s) => s === 401 || s === 429)).toBe(true)
  })

  it("bun: a Green Button upload answers as on Node, on v1 and v2", () => {
    const node = runs.get("node")!.uploads
    expect(node[0]).toMatch(/^POST \/api\/services\/import\.json\n201 /)
    expect(node[1]).toMatch(/^POST \/api\/v2\/imports\n200 /)
    expect(firstDifference(runs.get("bun")!.uploads, node)).toBeUndefined()
  })

  it.skipIf(!RUNTIMES.includes("workers"))("workers: uploads answer 501 in each surface's error format (no spool)", () => {
    const [v1, v2] = runs.get("workers")!.uploads.map((t) => t.split("\n"))
    expect(v1![1]).toMatch(/^501 application\/json/)
    expect(JSON.parse(v1![2]!)).toMatchObject({ error: "uploads_not_supported", message: expect.any(String) })
    expect(v2![1]).toMatch(/^501 application\/json/)
    expect(JSON.parse(v2![2]!)).toMatchObject({ error: "uploads_not_supported", error_description: expect.any(String) })
  })
})
