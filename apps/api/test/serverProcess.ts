/** Test and tooling helper: the base URL a `pnpm start` child process prints once it listens. */
import type { ChildProcess } from "node:child_process"

export const API_LINE = /Meterbridge API on (http:\/\/[^\s"]+)\/api/

/** Resolves with the API's origin from the child's output; rejects if it exits first (with its output). */
export const baseUrlOf = (child: ChildProcess): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    let out = ""
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = API_LINE.exec(out)
      if (m) resolve(m[1]!)
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`the API process exited (${code}): ${out.slice(-2000)}`)))
  })
