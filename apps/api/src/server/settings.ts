/**
 * Every setting of a Meterbridge process, read once at startup and validated:
 * a wrong value stops the process with one message naming each bad variable,
 * what it got and what it takes, instead of being silently reinterpreted.
 * Secrets are never echoed. THE reader for every runtime: only where the
 * flat record of values comes from differs (`process.env` on Node, `Bun.env`
 * on Bun, string bindings on Workers); settings a runtime has no use for
 * (`PORT` on Workers, `METERBRIDGE_WORKER_CONCURRENCY` on Bun) are still
 * checked, so a value that is wrong somewhere is wrong everywhere.
 *
 * Test mode (`METERBRIDGE_TEST_MODE`, on by default for the quick start and
 * printed at startup) also decides the default of
 * `METERBRIDGE_WEBHOOK_ALLOW_PRIVATE`: private, loopback and link-local
 * webhook targets are allowed in test mode only.
 */
import { Billing } from "@meterbridge/core"
import { AddressPolicy } from "@meterbridge/webhooks"
import { DEFAULT_ANONYMOUS_RATE_LIMIT, DEFAULT_SIGNUP_RATE_LIMIT } from "../shared/Shared.ts"
import { DEFAULT_DATABASE_URL, type DatabaseTarget, parseDatabaseUrl } from "./databaseUrl.ts"

export interface Settings {
  readonly port: number
  readonly host: string
  readonly database: DatabaseTarget
  /** Sandboxes mounted under /sandbox/<slug> and utilities without credentials run against them. */
  readonly testMode: boolean
  readonly publicUrl: string | undefined
  readonly rateLimit: number
  readonly anonymousRateLimit: number
  readonly signupRateLimit: number
  readonly maxBodyBytes: number
  /** Peers allowed to name the client (`X-Forwarded-For`) and its scheme (`X-Forwarded-Proto`). */
  readonly trustedProxies: ReadonlySet<string>
  readonly worker: {
    /** Collection loops in this process (0: none, for API-only processes). */
    readonly concurrency: number
    readonly leaseMs: number
    readonly pollMs: number
    readonly maxRunningPerUser: number
  }
  readonly maxAuthorizationsPerUser: number
  readonly logFormat: "json" | "text"
  readonly logLevel: "debug" | "info" | "warn" | "error"
  readonly logRequests: boolean
  readonly metricsToken: string | undefined
  /** `meterbridge worker`: where its /healthz, /readyz and /metrics listen (0: not at all). */
  readonly workerOpsPort: number
  /** How long a graceful shutdown waits for requests and jobs in flight. */
  readonly shutdownTimeoutMs: number
  readonly adminEmail: string
  /** `METERBRIDGE_BOOTSTRAP_TOKEN`: the first user's API token on an empty database, used verbatim (never echoed). */
  readonly bootstrapToken: string | undefined
  /** `METERBRIDGE_OPERATORS`: emails, comma-separated; empty leaves the first user the operator. */
  readonly operators: ReadonlyArray<string>
  readonly billing: Billing.BillingSettings
  readonly webhooks: {
    readonly policy: AddressPolicy.Policy
    readonly pollMs: number
    readonly leaseMs: number
  }
  /** `METERBRIDGE_UPLOAD_MAX_BYTES`: Green Button uploads (spooled to disk, not held in memory). */
  readonly uploadMaxBytes: number | undefined
  /** Workers: milliseconds each `scheduled` event spends on due jobs and deliveries (a cron invocation may run 15 minutes on paid plans). */
  readonly drainBudgetMs: number
}

export class SettingsError extends Error {
  readonly problems: ReadonlyArray<string>
  constructor(problems: ReadonlyArray<string>) {
    super(`invalid settings:\n  - ${problems.join("\n  - ")}`)
    this.name = "SettingsError"
    this.problems = problems
  }
}

export type Env = Readonly<Record<string, string | undefined>>

export const read = (env: Env): Settings => {
  const problems: Array<string> = []
  const raw = (name: string) => {
    const v = env[name]
    return v === undefined || v.trim() === "" ? undefined : v.trim()
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = raw(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${v}"`)
      return fallback
    }
    return n
  }
  const bool = (name: string, fallback: boolean): boolean => {
    const v = raw(name)?.toLowerCase()
    if (v === undefined) return fallback
    if (["1", "true", "yes", "on"].includes(v)) return true
    if (["0", "false", "no", "off"].includes(v)) return false
    problems.push(`${name} must be true or false (1/0, yes/no, on/off), got "${raw(name)}"`)
    return fallback
  }
  const oneOf = <A extends string>(name: string, fallback: A, values: ReadonlyArray<A>): A => {
    const v = raw(name)?.toLowerCase()
    if (v === undefined) return fallback
    if ((values as ReadonlyArray<string>).includes(v)) return v as A
    problems.push(`${name} must be one of ${values.join(", ")}, got "${raw(name)}"`)
    return fallback
  }

  let database: DatabaseTarget = { kind: "sqlite", path: DEFAULT_DATABASE_URL.slice("sqlite:".length) }
  try {
    database = parseDatabaseUrl(env["DATABASE_URL"])
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e))
  }

  let publicUrl = raw("METERBRIDGE_PUBLIC_URL")
  if (publicUrl !== undefined) {
    let ok = false
    try {
      const u = new URL(publicUrl)
      ok = (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.search === "" && u.hash === ""
    } catch {
      ok = false
    }
    if (!ok) problems.push(`METERBRIDGE_PUBLIC_URL must be an http(s) origin such as https://meterbridge.example.com, got "${publicUrl}"`)
    publicUrl = publicUrl.replace(/\/+$/, "")
  }

  const trustedProxies = new Set<string>()
  for (const entry of (raw("METERBRIDGE_TRUSTED_PROXIES") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "")) {
    if (/^[0-9a-f.:]+$/.test(entry)) trustedProxies.add(entry.startsWith("::ffff:") && entry.includes(".") ? entry.slice(7) : entry)
    else problems.push(`METERBRIDGE_TRUSTED_PROXIES lists IP addresses separated by commas (e.g. 127.0.0.1,::1), got "${entry}"`)
  }

  const metricsToken = raw("METERBRIDGE_METRICS_TOKEN")
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push("METERBRIDGE_METRICS_TOKEN must have at least 16 characters")

  const adminEmail = raw("METERBRIDGE_ADMIN_EMAIL") ?? "admin@localhost"
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail) || adminEmail.length > 254) problems.push(`METERBRIDGE_ADMIN_EMAIL is not an email address: "${adminEmail}"`)

  const attempt = <A>(f: () => A): A | undefined => {
    try {
      return f()
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e))
      return undefined
    }
  }
  const testMode = bool("METERBRIDGE_TEST_MODE", true)
  const uploadMax = raw("METERBRIDGE_UPLOAD_MAX_BYTES") === undefined ? undefined : int("METERBRIDGE_UPLOAD_MAX_BYTES", 0, 1, 2 ** 40)

  const settings: Settings = {
    port: int("PORT", 3000, 0, 65535),
    host: raw("HOST") ?? "127.0.0.1",
    database,
    testMode,
    publicUrl,
    rateLimit: int("METERBRIDGE_RATE_LIMIT", 50, 1, 100_000),
    anonymousRateLimit: int("METERBRIDGE_ANONYMOUS_RATE_LIMIT", DEFAULT_ANONYMOUS_RATE_LIMIT, 1, 10_000),
    signupRateLimit: int("METERBRIDGE_SIGNUP_RATE_LIMIT", DEFAULT_SIGNUP_RATE_LIMIT, 1, 10_000),
    maxBodyBytes: int("METERBRIDGE_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    trustedProxies,
    worker: {
      concurrency: int("METERBRIDGE_WORKER_CONCURRENCY", 2, 0, 64),
      leaseMs: int("METERBRIDGE_WORKER_LEASE_MS", 60_000, 100, 86_400_000),
      pollMs: int("METERBRIDGE_WORKER_POLL_MS", 1_000, 10, 3_600_000),
      maxRunningPerUser: int("METERBRIDGE_MAX_RUNNING_PER_USER", 4, 1, 10_000)
    },
    maxAuthorizationsPerUser: int("METERBRIDGE_MAX_AUTHORIZATIONS_PER_USER", 1000, 1, 10_000_000),
    logFormat: oneOf("METERBRIDGE_LOG_FORMAT", "json", ["json", "text"]),
    logLevel: oneOf("METERBRIDGE_LOG_LEVEL", "info", ["debug", "info", "warn", "error"]),
    logRequests: bool("METERBRIDGE_LOG_REQUESTS", true),
    metricsToken,
    workerOpsPort: int("METERBRIDGE_WORKER_OPS_PORT", 9464, 0, 65535),
    shutdownTimeoutMs: int("METERBRIDGE_SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    adminEmail,
    bootstrapToken: raw("METERBRIDGE_BOOTSTRAP_TOKEN"),
    operators: (raw("METERBRIDGE_OPERATORS") ?? "").split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== ""),
    billing: attempt(() => billing(env)) ?? Billing.defaults,
    webhooks: {
      policy: attempt(() => AddressPolicy.policyFromEnv(env, testMode)) ?? AddressPolicy.policyFromEnv({}, false),
      pollMs: int("METERBRIDGE_WEBHOOK_POLL_MS", 100, 5, 60_000),
      leaseMs: int("METERBRIDGE_WEBHOOK_LEASE_MS", 60_000, 100, 3_600_000)
    },
    uploadMaxBytes: uploadMax,
    drainBudgetMs: int("METERBRIDGE_DRAIN_BUDGET_MS", 25_000, 100, 900_000)
  }
  if (problems.length > 0) throw new SettingsError(problems)
  return settings
}

/**
 * `METERBRIDGE_BILLING=prepaid` turns billing on; `METERBRIDGE_PRICE_PER_COLLECTION` is dollars per collection of a
 * meter (default 0.10); `METERBRIDGE_BILLING_FREE` lists what collects free: `test` (test authorizations) and
 * utility IDs (default `test,DEMO`; `none` bills everything).
 */
export const billing = (env: Env): Billing.BillingSettings => {
  const mode = env["METERBRIDGE_BILLING"]?.trim() || "off"
  if (mode !== "off" && mode !== "prepaid") throw new Error(`METERBRIDGE_BILLING must be "off" or "prepaid", got "${mode}"`)
  const priceText = env["METERBRIDGE_PRICE_PER_COLLECTION"]?.trim() || "0.10"
  const price = Billing.parseDollars(priceText)
  if (price === undefined || price < 0) throw new Error(`METERBRIDGE_PRICE_PER_COLLECTION must be dollars like 0.25, got "${priceText}"`)
  const free = (env["METERBRIDGE_BILLING_FREE"]?.trim() || "test,DEMO").split(",").map((s) => s.trim()).filter((s) => s !== "" && s !== "none")
  return { mode, pricePerCollection: price, freeTest: free.includes("test"), freeUtilities: free.filter((f) => f !== "test") }
}

/** One integer setting within bounds, or a clear error naming it: for launchers whose defaults differ from the server's (`pnpm start:workers`). */
export const intSetting = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return n
}

/**
 * Secrets from files (Docker/Kubernetes secrets, PEM certificates):
 * `PGE_TLS_CERT_FILE=/run/cert.pem` sets `PGE_TLS_CERT` to the file's text.
 * Only secret-like names (`…_CERT_FILE`, `…_KEY_FILE`, `…_SECRET_FILE`,
 * `…_PASSWORD_FILE`), so that other tools' `*_FILE` variables are left alone.
 */
export const withFiles = (env: Env, readText: (path: string) => string): Env => {
  const out: Record<string, string | undefined> = { ...env }
  for (const [name, path] of Object.entries(env)) {
    if (/_(CERT|KEY|SECRET|PASSWORD)_FILE$/.test(name) && path && out[name.slice(0, -5)] === undefined) out[name.slice(0, -5)] = readText(path)
  }
  return out
}
