import { basename } from "node:path"
import { readGreenButtonFile, readGreenButtonFileBatches } from "./GreenButtonFile.ts"
import { dedupeBatches, dedupeReadings, summarizeBatches } from "./EspiSummary.ts"
import { BillingPeriods } from "./GreenButtonBills.ts"

const USAGE = `Usage:
  meterbridge-greenbutton summarize <file>
      per usage point: kind, readings, kWh import/export, span, gaps, duplicates, and each billing period
  meterbridge-greenbutton convert <file> [--what intervals|bills] [--format csv|json] [--utility PG&E|SCE|SDG&E|…]
      Meterbridge intervals (default) or bills, as JSON (default) or CSV

<file> is a Green Button ESPI XML feed or a PG&E / SCE / SDG&E Green Button CSV export (also .zip or .gz).`

/** A command line that cannot be run: printed with the usage, exit code 2. */
class UsageError extends Error {}

const option = (args: ReadonlyArray<string>, name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  if (i >= 0) {
    const v = args[i + 1]
    if (v === undefined || v.startsWith("--")) throw new UsageError(`--${name} needs a value`)
    return v
  }
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

// `convert … | head` closes the pipe early: that is the reader's choice, not an error worth a stack.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e
  process.exit(0)
})

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [command, file, ...rest] = argv
  if (command === "--help" || command === "-h" || command === undefined) {
    process.stdout.write(USAGE + "\n")
    return command === undefined ? 2 : 0
  }
  if (command !== "summarize" && command !== "convert") throw new UsageError(`Unknown command ${JSON.stringify(command)}`)
  if (file === undefined || file.startsWith("--")) throw new UsageError(`${command} needs a file`)
  if (command === "summarize") {
    const summary = await summarizeBatches(readGreenButtonFileBatches(file))
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n")
    return 0
  }
  const what = option(rest, "what") ?? "intervals"
  const format = option(rest, "format") ?? "json"
  if (what !== "intervals" && what !== "bills") throw new UsageError(`Unknown --what ${JSON.stringify(what)}: use intervals or bills`)
  if (format !== "csv" && format !== "json") throw new UsageError(`Unknown --format ${JSON.stringify(format)}: use csv or json`)
  // Only convert needs @meterbridge/core (API timestamps, the Bill schema); summarize starts faster without it.
  const rows = await import("./MeterbridgeRows.ts")
  const { stringify } = await import("csv-stringify/sync")
  const out = process.stdout
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((ok) => out.once("drain", () => ok())))
  const columns = what === "bills" ? rows.billColumns : rows.intervalColumns
  let first = true
  const emit = async (row: Record<string, unknown>) => {
    if (format === "csv") await write(stringify([columns.map((c) => row[c] ?? null)]))
    else {
      await write((first ? "\n" : ",\n") + JSON.stringify(row))
      first = false
    }
  }
  await write(format === "csv" ? stringify([columns]) : "[")
  if (what === "intervals") {
    for await (const r of dedupeReadings(readGreenButtonFile(file))) {
      if (r._tag === "Issue") process.stderr.write(`${r.kind}: ${r.message}\n`)
      else if (r._tag === "Reading") await emit(rows.toInterval(r))
    }
  } else {
    const periods = new BillingPeriods()
    for await (const batch of dedupeBatches(readGreenButtonFileBatches(file))) {
      for (const r of batch) {
        if (r._tag === "UsageSummary") periods.add(r)
        else if (r._tag === "Reading") periods.addReading(r)
      }
    }
    for (const c of periods.conflicts) process.stderr.write(`billConflict: ${c.message}\n`)
    const context = { utility: option(rest, "utility") ?? null, source: basename(file), updated: Math.floor(Date.now() / 1000) }
    for (const p of periods.of()) await emit(rows.toBill(p, context))
  }
  if (format === "json") await write(first ? "]\n" : "\n]\n")
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\n${USAGE}\n`)
      process.exitCode = 2
      return
    }
    // Typed errors (EspiParseError, GreenButtonCsvError, GreenButtonFileError) carry a message meant for the user;
    // anything else is still one line, never a stack.
    const err = e as { _tag?: string; message?: string; line?: number }
    const message = (err.message ?? String(e)).split("\n")[0]
    process.stderr.write(`error: ${err._tag ?? "Error"}: ${message}${err.line !== undefined ? ` (line ${err.line})` : ""}\n`)
    process.exitCode = 1
  }
)
