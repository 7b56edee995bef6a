/**
 * The external load generator: autocannon (as a library, in this process,
 * which does nothing else) against a server in another process.
 */
import { readFileSync } from "node:fs"
import autocannon from "autocannon"

export interface Load {
  readonly rps: number
  readonly p99: number
  readonly non2xx: number
  /** The server's CPU time (user + system) per request, µs, when its pid was given: steadier than req/s on a shared machine. */
  readonly cpuUs?: number
}

/** User + system CPU ticks (1/100 s) of a process, from Linux `/proc`. */
const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return Number(fields[11]) + Number(fields[12])
}

export const load = (url: string, headers: Record<string, string>, seconds: number, connections = 50, serverPid?: number): Promise<Load> =>
  new Promise((resolve, reject) => {
    const before = serverPid === undefined ? 0 : cpuTicks(serverPid)
    autocannon({ url, headers, connections, duration: seconds }, (err, result) => {
      if (err) return reject(err)
      if (result.errors > 0 || result.non2xx > 0) {
        return reject(new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodeStats)})`))
      }
      const cpuUs = serverPid === undefined ? undefined : ((cpuTicks(serverPid) - before) * 10_000) / result.requests.total
      resolve({ rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, ...(cpuUs === undefined ? {} : { cpuUs }) })
    })
  })

/** Alternating rounds of two loads, so drift on a shared machine hits both; the mean of each. */
export const alternate = async (rounds: number, a: () => Promise<Load>, b: () => Promise<Load>) => {
  const as: Array<Load> = []
  const bs: Array<Load> = []
  for (let i = 0; i < rounds; i++) {
    as.push(await a())
    bs.push(await b())
  }
  const mean = (xs: Array<Load>, f: (l: Load) => number) => xs.reduce((s, x) => s + f(x), 0) / xs.length
  return {
    a: { rps: mean(as, (l) => l.rps), p99: mean(as, (l) => l.p99), cpuUs: mean(as, (l) => l.cpuUs ?? NaN) },
    b: { rps: mean(bs, (l) => l.rps), p99: mean(bs, (l) => l.p99), cpuUs: mean(bs, (l) => l.cpuUs ?? NaN) }
  }
}
