/**
 * Run by Bun (test/bunPinnedFetch.test.ts): bun/pinnedFetch.ts against the receiver on 127.0.0.1:<port> given as
 * the first argument, through a stub resolver, printing what each case saw as one JSON object.
 */
import { Deliver } from "@meterbridge/webhooks"
import { pinnedFetch, type Resolver } from "../../src/bun/pinnedFetch.ts"

const port = Number(process.argv[2])
const calls: Array<string> = []
const table: Record<string, ReadonlyArray<string>> = {
  "hooks.example.test": ["127.0.0.1"],
  "mixed.example.test": ["93.184.216.34", "10.0.0.7"]
}
const resolve: Resolver = async (hostname) => {
  calls.push(hostname)
  const addresses = table[hostname]
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
}

const refusal = async (p: Promise<Response>) => {
  try {
    await p
    return "not refused"
  } catch (e) {
    const cause = (e as { cause?: { _tag?: string; reason?: string; address?: string } }).cause
    return `${cause?._tag}:${cause?.reason}:${cause?.address}`
  }
}

const strict = pinnedFetch({ allowPrivate: false }, resolve)
const open = pinnedFetch({ allowPrivate: true }, resolve)
const loopbackName = await refusal(strict(`http://hooks.example.test:${port}/refused`, { method: "POST", body: "{}" }))
const mixed = await refusal(strict(`http://mixed.example.test:${port}/refused`))
const outcome = await Deliver.deliver({ url: `http://hooks.example.test:${port}/refused`, body: new TextEncoder().encode("{}"), headers: {}, fetch: strict })
calls.length = 0
const allowed = await open(`http://hooks.example.test:${port}/pinned`, { method: "POST", body: "{\"a\":1}", headers: { "content-type": "application/json" } })
console.log(JSON.stringify({
  loopbackName,
  mixed,
  deliverError: outcome.error?.reason,
  allowedStatus: allowed.status,
  allowedBody: await allowed.text(),
  resolvedOnce: calls
}))
