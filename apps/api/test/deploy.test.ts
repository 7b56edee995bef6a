/**
 * The container files, checked where Docker cannot build them (no daemon in
 * CI): the compose file runs PostgreSQL, API processes without in-process
 * collection and `meterbridge worker` processes from the one image; the image
 * is multi-stage and runs as a non-root user.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import * as Settings from "../src/server/settings.ts"

const ROOT = join(import.meta.dirname, "../../..")

interface Service {
  readonly image?: string
  readonly build?: unknown
  readonly command?: ReadonlyArray<string>
  readonly environment?: Readonly<Record<string, string>>
  readonly depends_on?: Readonly<Record<string, { condition: string }>>
  readonly healthcheck?: { test: ReadonlyArray<string> }
  readonly deploy?: { replicas?: number }
}

describe("deployment files", () => {
  const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, Service> }
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8")

  it("compose: PostgreSQL with a health check, N API and M worker replicas of one image waiting for it", () => {
    const { postgres, api, worker } = compose.services
    expect(postgres?.image).toMatch(/^postgres:/)
    expect(postgres?.healthcheck?.test.join(" ")).toContain("pg_isready")
    for (const s of [api!, worker!]) {
      expect(s.build).toBe(".")
      expect(s.depends_on?.["postgres"]?.condition).toBe("service_healthy")
      expect(s.environment?.["DATABASE_URL"]).toMatch(/^postgres:\/\/.+@postgres:5432\//)
      expect(s.deploy?.replicas).toBeGreaterThanOrEqual(2)
    }
    expect(api!.environment?.["METERBRIDGE_WORKER_CONCURRENCY"]).toBe("0")
    expect(worker!.command).toEqual(["node", "apps/api/src/cli.ts", "worker"])
    expect(worker!.healthcheck?.test.join(" ")).toContain("/healthz")
  })

  it("compose: every environment value is a valid setting (defaults filled in as compose would)", () => {
    for (const name of ["api", "worker"]) {
      const env = Object.fromEntries(Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [
        k,
        String(v).replace(/\$\{[A-Z_]+:\?[^}]*\}/g, "a".repeat(64)).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1")
      ]))
      expect(() => Settings.read(env), name).not.toThrow()
      expect(Settings.read(env).testMode, name).toBe(false)
    }
  })

  it("Dockerfile: multi-stage, production dependencies only, non-root, health check on /healthz", () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2)
    expect(dockerfile).toMatch(/COPY --from=build/)
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod/)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/)
    expect(dockerfile).toMatch(/CMD \["node", "apps\/api\/src\/main.node.ts"\]/)
  })
})
