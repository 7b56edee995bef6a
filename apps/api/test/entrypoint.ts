/** Spawns the real Node entrypoint (`pnpm start`) for process-level tests, and waits on conditions. */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

const MAIN = join(import.meta.dirname, "../src/main.node.ts")

/** Starts `main.node.ts` in `cwd` with `env` added; resolves with its base URL once it listens. Kill it with `children`. */
export const startMain = (cwd: string, env: Readonly<Record<string, string>>, children: Array<ChildProcess>) =>
  new Promise<{ child: ChildProcess; base: string; output: () => string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { ...process.env, PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let out = ""
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /Meterbridge API on (http:\/\/\S+)\/api/.exec(out)
      if (m) resolve({ child, base: m[1]!, output: () => out })
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)))
  })

export const apiWith = (token: string) => (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}/api${path}`, { ...init, headers: { Authorization: `Token ${token}`, "Content-Type": "application/json", ...init.headers } })

export const until = async <A>(what: string, f: () => Promise<A | undefined>, timeoutMs = 60_000): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
