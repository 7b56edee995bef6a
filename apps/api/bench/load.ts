/**
 * The external load generator: autocannon (as a library, in this process,
 * which does nothing else) against a server in another process.
 */
import autocannon from "autocannon"

export interface Load {
  readonly rps: number
  readonly p99: number
  readonly non2xx: number
}

export const load = (url: string, headers: Record<string, string>, seconds: number, connections = 50): Promise<Load> =>
  new Promise((resolve, reject) => {
    autocannon({ url, headers, connections, duration: seconds }, (err, result) => {
      if (err) return reject(err)
      if (result.errors > 0 || result.non2xx > 0) {
        return reject(new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodeStats)})`))
      }
      resolve({ rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx })
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
    a: { rps: mean(as, (l) => l.rps), p99: mean(as, (l) => l.p99) },
    b: { rps: mean(bs, (l) => l.rps), p99: mean(bs, (l) => l.p99) }
  }
}
