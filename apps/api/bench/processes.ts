/**
 * Servers in their own processes, so the load generator (this process) and
 * the server never share an event loop: the real `pnpm start` entrypoint over
 * the bench database (rate limit raised, request log off), and a bare Hono
 * route on the same `@hono/node-server` serving fixed bytes (`bare.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"

export interface ServerProcess {
  readonly base: string
  readonly pid: number
  /** Resident set size now, in bytes (Linux `/proc`). */
  readonly rss: () => number
  readonly stop: () => Promise<void>
}

const API_ROOT = join(import.meta.dirname, "..")

const rssOf = (pid: number) => () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m ? Number(m[1]) * 1024 : 0
}

const started = (child: ChildProcess, pattern: RegExp): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const m = pattern.exec(out)
      if (m) {
        out = ""
        child.stdout!.removeAllListeners("data")
        child.stdout!.resume()
        resolve({
          base: m[1]!,
          pid: child.pid!,
          rss: rssOf(child.pid!),
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r()
              child.once("exit", () => r())
              child.kill("SIGTERM")
            })
        })
      }
    })
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)))
  })

/** `pnpm start` (the same entrypoint, `src/main.node.ts`) on a free port. */
export const startApi = (databaseUrl: string, extraEnv: Record<string, string> = {}, nodeArgs: ReadonlyArray<string> = []) =>
  started(
    spawn(process.execPath, [...nodeArgs, "src/main.node.ts"], {
      cwd: API_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        PORT: "0",
        DATABASE_URL: databaseUrl,
        METERBRIDGE_SECRET_KEY: "11".repeat(32),
        METERBRIDGE_RATE_LIMIT: "100000",
        METERBRIDGE_LOG_REQUESTS: "0",
        ...extraEnv
      }
    }),
    /Meterbridge API on (http:\/\/[^\s/]+)/
  )

/** A bare Hono route answering every GET with the bytes of `bodyFile` as `contentType`. */
export const startBare = (bodyFile: string, contentType: string) =>
  started(
    spawn(process.execPath, [join(import.meta.dirname, "bare.ts"), bodyFile, contentType], { stdio: ["ignore", "pipe", "inherit"] }),
    /listening (http:\/\/\S+)/
  )
