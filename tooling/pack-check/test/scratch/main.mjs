// Runs in a scratch npm project WITHOUT hono, on plain Node 22 (no type stripping): every published main entry must
// load from dist/ alone, and the Green Button parser must read a real ESPI file. Prints one JSON line.
import { readFileSync } from "node:fs"
import * as core from "@meterbridge/core"
import { dedupeReadings, parseEspi } from "@meterbridge/greenbutton"
import * as demo from "@meterbridge/adapter-demo"
import * as pge from "@meterbridge/adapter-pge"
import * as sce from "@meterbridge/adapter-sce"
import * as sdge from "@meterbridge/adapter-sdge"
import * as smt from "@meterbridge/adapter-smt"
import * as store from "@meterbridge/store-kysely"
import * as webhooks from "@meterbridge/webhooks"

const missing = async (specifier) => {
  try {
    await import(specifier)
    return false
  } catch (error) {
    return error.code === "ERR_MODULE_NOT_FOUND"
  }
}

let readings = 0
let wh = 0
for await (const r of dedupeReadings(parseEspi(readFileSync(process.argv[2])))) {
  if (r._tag === "Reading") {
    readings++
    wh += r.value * (r.unit === "kWh" ? 1000 : 1)
  }
}

console.log(JSON.stringify({
  honoMissing: await missing("hono"),
  vitestMissing: await missing("vitest"),
  utilities: [demo.DemoCollector, pge.PgeCollector, sce.SceCollector, sdge.SdgeCollector, smt.SmtCollector].map((c) => c.info.utility),
  entries: { core: Object.keys(core).length, store: Object.keys(store).length, webhooks: Object.keys(webhooks).length },
  readings,
  wh
}))
