/** Test helpers for the Node entrypoint as a real process: start it on a port of its own choosing, wait for things. */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

export const MAIN = join(import.meta.dirname, "../src/main.node.ts")

export interface Server {
  readonly child: ChildProcess
  /** `http://127.0.0.1:<port>` */
  readonly base: string
  readonly output: () => string
  /** SIGTERM and wait for the exit code. */
  readonly stop: () => Promise<number | null>
}

/** Starts `pnpm start`'s entrypoint in `cwd` with `env` on top of this process's, and resolves once it listens. */
export const startServer = (cwd: string, env: Record<string, string>, register?: (child: ChildProcess) => void) =>
  new Promise<Server>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { ...process.env, PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    register?.(child)
    let out = ""
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /Meterbridge API on (http:\/\/\S+)\/api/.exec(out)
      if (m) {
        resolve({
          child,
          base: m[1]!,
          output: () => out,
          stop: () => {
            if (child.exitCode !== null) return Promise.resolve(child.exitCode)
            const exited = new Promise<number | null>((r) => child.once("exit", r))
            child.kill("SIGTERM")
            return exited
          }
        })
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)))
  })

/** Polls `f` every 50 ms until it returns something, or fails after `timeoutMs`. */
export const until = async <A>(what: string, f: () => Promise<A | undefined>, timeoutMs = 60_000): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** `fetch` for v1 paths on a started server, with the token as `Authorization: Token`. */
export const apiWith = (token: string) => (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}/api${path}`, { ...init, headers: { Authorization: `Token ${token}`, "Content-Type": "application/json", ...init.headers } })
