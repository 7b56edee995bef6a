#!/usr/bin/env node
import { stringify } from "csv-stringify/sync"
import { readGreenButtonFile } from "./GreenButtonFile.ts"
import { dedupeReadings, summarizeRecords } from "./EspiSummary.ts"
import type { EspiRecord } from "./EspiRecord.ts"
import { Timestamp } from "@meterbridge/core"

const USAGE = `Usage:
  meterbridge-greenbutton summarize <file>                 per usage point: kind, readings, kWh import/export, span, gaps, duplicates
  meterbridge-greenbutton convert <file> [--format csv|json]   Meterbridge intervals (default json)

<file> is a Green Button ESPI XML feed or a PG&E / SCE / SDG&E Green Button CSV export.`

/** Meterbridge's API timestamp shape (`2015-08-13T07:00:00.000000+00:00`). */
const iso = (epoch: number): string => Timestamp.format(Timestamp.fromSeconds(epoch))

const toInterval = (r: Extract<EspiRecord, { _tag: "Reading" }>) => ({
  utility_service_id: r.usagePointId,
  flow: r.flow,
  interval_start: iso(r.start),
  interval_end: iso(r.start + r.duration),
  interval_kWh: r.unit === "kWh" ? r.value : null,
  value: r.value,
  unit: r.unit,
  cost: r.cost ?? null,
  quality: r.quality ?? null
})

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [command, file, ...rest] = argv
  if (command === "--help" || command === "-h" || command === undefined) {
    process.stdout.write(USAGE + "\n")
    return command === undefined ? 2 : 0
  }
  if (file === undefined || (command !== "summarize" && command !== "convert")) {
    process.stderr.write(USAGE + "\n")
    return 2
  }
  if (command === "summarize") {
    const summary = await summarizeRecords(readGreenButtonFile(file))
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n")
    return 0
  }
  const fi = rest.indexOf("--format")
  const format = fi >= 0 ? rest[fi + 1] : rest.find((a) => a.startsWith("--format="))?.slice(9) ?? "json"
  if (format !== "csv" && format !== "json") {
    process.stderr.write(`Unknown --format ${JSON.stringify(format)}: use csv or json\n`)
    return 2
  }
  const out = process.stdout
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((ok) => out.once("drain", () => ok())))
  let first = true
  if (format === "csv") await write(stringify([Object.keys(toInterval({ _tag: "Reading", usagePointId: "", readingTypeId: "", start: 0, duration: 0, value: 0, unit: "", flow: "delivered" }))]))
  else await write("[")
  for await (const r of dedupeReadings(readGreenButtonFile(file))) {
    if (r._tag === "Issue") {
      process.stderr.write(`${r.kind}: ${r.message}\n`)
      continue
    }
    if (r._tag !== "Reading") continue
    const row = toInterval(r)
    if (format === "csv") await write(stringify([Object.values(row)]))
    else {
      await write((first ? "\n" : ",\n") + JSON.stringify(row))
      first = false
    }
  }
  if (format === "json") await write("\n]\n")
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    const err = e as { _tag?: string; message?: string; line?: number }
    process.stderr.write(`error: ${err._tag ?? "Error"}: ${err.message ?? String(e)}${err.line !== undefined ? ` (line ${err.line})` : ""}\n`)
    process.exitCode = 1
  }
)
