/**
 * The server's own settings, read the same way on every runtime from a flat
 * record (`process.env`, `Bun.env`, Workers bindings).
 */
import { AddressPolicy } from "@meterbridge/webhooks"

export type Env = Readonly<Record<string, string | undefined>>

/** An integer setting within bounds, or a clear error naming it. */
export const intSetting = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return n
}

/** A yes/no setting (1/0, true/false, yes/no, on/off), or a clear error naming it. */
export const boolSetting = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === "") return fallback
  const v = raw.toLowerCase()
  if (["1", "true", "yes", "on"].includes(v)) return true
  if (["0", "false", "no", "off"].includes(v)) return false
  throw new Error(`${name} must be true or false (1/0, yes/no, on/off), got "${raw}"`)
}

export interface ServerSettings {
  readonly rateLimit: number
  readonly leaseMs: number
  readonly pollMs: number
  readonly logRequests: boolean
  readonly adminEmail: string
  readonly bootstrapToken: string | undefined
  /** METERBRIDGE_TEST_MODE (on by default): sandboxes mounted, utilities without settings run against them. */
  readonly testMode: boolean
  readonly webhooks: { readonly policy: AddressPolicy.Policy; readonly pollMs: number; readonly leaseMs: number }
}

export const DEFAULT_ADMIN_EMAIL = "admin@localhost"

export const read = (env: Env): ServerSettings => {
  const testMode = boolSetting(env, "METERBRIDGE_TEST_MODE", true)
  return {
  rateLimit: intSetting(env, "METERBRIDGE_RATE_LIMIT", 50, 1, 100_000),
  leaseMs: intSetting(env, "METERBRIDGE_WORKER_LEASE_MS", 60_000, 100, 86_400_000),
  pollMs: intSetting(env, "METERBRIDGE_WORKER_POLL_MS", 1_000, 10, 3_600_000),
  logRequests: env["METERBRIDGE_LOG_REQUESTS"] !== "0",
  adminEmail: env["METERBRIDGE_ADMIN_EMAIL"]?.trim() || DEFAULT_ADMIN_EMAIL,
  bootstrapToken: env["METERBRIDGE_BOOTSTRAP_TOKEN"]?.trim() || undefined,
  testMode,
  webhooks: {
    // Unset, private targets are allowed in test mode only (as on Node).
    policy: AddressPolicy.policyFromEnv(env, testMode),
    pollMs: intSetting(env, "METERBRIDGE_WEBHOOK_POLL_MS", 100, 5, 60_000),
    leaseMs: intSetting(env, "METERBRIDGE_WEBHOOK_LEASE_MS", 60_000, 100, 3_600_000)
  }
  }
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
