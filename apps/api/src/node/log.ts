/**
 * Structured logs: one JSON object per line on stdout (pino), or plain text
 * for a terminal (`METERBRIDGE_LOG_FORMAT=text`). Every request line carries
 * its request id. Secrets never reach a log: the app redacts tokens from
 * URLs before logging, and pino's redaction drops any field named like a
 * secret should one be passed by mistake.
 */
import { Cause, Layer, Logger } from "effect"
import pino from "pino"
import type { RequestRecord } from "../app.ts"
import type { Settings } from "../server/settings.ts"

export interface Log {
  readonly info: (msg: string, fields?: Record<string, unknown>) => void
  readonly warn: (msg: string, fields?: Record<string, unknown>) => void
  readonly error: (msg: string, fields?: Record<string, unknown>) => void
  /** For the app's `log(line)`: a `[error]`/`[warn]`/`[defect]` prefix picks the level. */
  readonly line: (line: string) => void
  readonly request: (r: RequestRecord) => void
  /** Effect's logger (the worker's loops log through it). */
  readonly effectLayer: Layer.Layer<never>
  readonly flush: () => void
}

const REDACT = ["token", "secret", "password", "authorization", "access_token", "*.token", "*.secret", "*.password", "*.authorization"]

export const make = (settings: Pick<Settings, "logFormat" | "logLevel">, component: string, destination?: pino.DestinationStream): Log => {
  const fields = (f?: Record<string, unknown>) => f ?? {}
  if (settings.logFormat === "text") {
    const out = (level: string) => (msg: string, f?: Record<string, unknown>) => {
      const extra = f && Object.keys(f).length > 0 ? ` ${JSON.stringify(f)}` : ""
      const text = `${level === "info" ? "" : `[${level}] `}${msg}${extra}`
      if (destination) destination.write(text + "\n")
      else console.log(text)
    }
    return build(out("info"), out("warn"), out("error"))
  }
  const logger = pino(
    { level: settings.logLevel, base: { component }, redact: { paths: REDACT, censor: "[REDACTED]" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ sync: true })
  )
  const result = build(
    (msg, f) => logger.info(fields(f), msg),
    (msg, f) => logger.warn(fields(f), msg),
    (msg, f) => logger.error(fields(f), msg)
  )
  return { ...result, flush: () => logger.flush() }

  function build(info: Log["info"], warn: Log["warn"], error: Log["error"]): Log {
    return {
      info,
      warn,
      error,
      line: (line) => {
        const m = /^\[(error|defect|warn)\]\s*/.exec(line)
        if (!m) return info(line)
        const msg = line.slice(m[0].length)
        return m[1] === "warn" ? warn(msg) : error(msg)
      },
      request: (r) =>
        info("request", { request_id: r.id, method: r.method, route: r.route, status: r.status, ms: r.ms, client: r.address }),
      effectLayer: Logger.layer([
        Logger.make((o) => {
          const msg = Array.isArray(o.message) ? o.message.map(String).join(" ") : String(o.message)
          const cause = o.cause.reasons.length === 0 ? {} : { cause: Cause.pretty(o.cause) }
          const level = o.logLevel
          if (level === "Error" || level === "Fatal") error(msg, cause)
          else if (level === "Warn") warn(msg, cause)
          else info(msg, cause)
        })
      ]),
      flush: () => undefined
    }
  }
}
