/**
 * Green Button upload on Node: the multipart body is parsed as it arrives
 * (`@fastify/busboy`, a maintained streaming parser; Hono's `parseBody` would
 * hold the whole file), its file part spooled to a temp file under a size
 * limit, then read twice with `@meterbridge/greenbutton` — once to prove it is
 * Green Button and learn its usage points and bills (nothing is written for a
 * file that fails), once more to stream its readings into the Store. The
 * spool is what makes both possible in bounded memory, and a `.zip` needs a
 * file anyway (its directory is at the end).
 */
import { Busboy } from "@fastify/busboy"
import { createWriteStream } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Stream } from "effect"
import { type Collector, type Service, Timestamp } from "@meterbridge/core"
import {
  BillingPeriods,
  ConnectCollector,
  dedupeBatches,
  type EspiRecord,
  type Reading,
  type UsageSummary
} from "@meterbridge/greenbutton"
import { readGreenButtonFileBatches } from "@meterbridge/greenbutton/GreenButtonFile"
import { badRequest, HttpError } from "../shared/HttpError.ts"
import type { FileUploads, ReceivedFile } from "../shared/Uploads.ts"

export interface UploadOptions {
  /** Largest file accepted, bytes. */
  readonly maxBytes: number
  /** Where files are spooled while they are read; the OS temp dir by default. */
  readonly tmpDir?: string
}

export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024

/** Intervals per Store write: big enough that a 10-year file is a few hundred transactions. */
const BATCH = 5_000

/** A reading this long with a cost is a bill (see BillingPeriods), not an interval. */
const MIN_BILL_SECONDS = 25 * 86400

const notGreenButton = (message: string) => new HttpError(415, "not_green_button", message)

/** The parser's own errors say what is wrong with the file; anything else is ours. */
const fileProblem = (e: unknown): HttpError => {
  if (e instanceof HttpError) return e
  const tag = (e as { _tag?: unknown })._tag
  if (tag === "EspiParseError" || tag === "GreenButtonCsvError" || tag === "GreenButtonFileError" || (e instanceof Error && e.name === "EspiParseError")) {
    return notGreenButton(`The file is not a readable Green Button file: ${(e as Error).message}`)
  }
  throw e
}

/** Readings the Store keeps as intervals: energy in kWh (gas in therms and demand in kW are left out), shorter than a bill. */
const isInterval = (r: Reading) => r.unit === "kWh" && r.duration < MIN_BILL_SECONDS

const interval = (r: Reading): Collector.CollectedInterval => ({
  interval_start: Timestamp.fromSeconds(r.start),
  interval_end: Timestamp.fromSeconds(r.start + r.duration),
  interval_kWh: r.value,
  flow: r.flow,
  quality: ConnectCollector.qualityOf(r.quality),
  utility_service_id: r.usagePointId,
  utility_tariff_name: null,
  utility_service_address: null,
  utility_meter_number: null,
  source: null
})

const bill = (s: UsageSummary): Collector.CollectedBill => {
  const end = s.start + s.duration
  return {
    utility_service_id: s.usagePointId,
    utility_tariff_name: s.tariff ?? null,
    utility_service_address: null,
    utility_meter_number: null,
    bill_start_date: Timestamp.fromSeconds(s.start),
    bill_end_date: Timestamp.fromSeconds(end),
    bill_statement_date: s.statementDate === undefined ? null : Timestamp.fromSeconds(s.statementDate),
    bill_total_kWh: s.unit === "kWh" ? s.overallConsumption : null,
    bill_total: s.billLastPeriod,
    bill_breakdown: {
      line_items: s.lineItems.map((l) => ({
        name: l.name,
        cost: l.amount,
        rate: l.unitCost ?? null,
        volume: l.measurement?.value ?? null,
        unit: l.measurement?.unit ?? null,
        start: Timestamp.fromSeconds(l.start ?? s.start),
        end: Timestamp.fromSeconds(l.start !== undefined && l.duration !== undefined ? l.start + l.duration : end)
      }))
    },
    source: null
  }
}

const serviceOf = (usagePointId: string): Service.ServiceDetails => ({
  utility_service_id: usagePointId,
  utility_tariff_name: null,
  utility_service_address: null,
  utility_billing_account: null,
  utility_billing_contact: null,
  utility_billing_address: null,
  utility_meter_number: null
})

/** First pass: the file is Green Button, and which usage points carry data; its bills (a few per year). */
const survey = async (path: string) => {
  const periods = new BillingPeriods()
  const withData = new Set<string>()
  const tariffs = new Map<string, string>()
  try {
    for await (const batch of dedupeBatches(readGreenButtonFileBatches(path))) {
      for (const r of batch as ReadonlyArray<EspiRecord>) {
        if (r._tag === "Reading") {
          periods.addReading(r)
          if (isInterval(r)) withData.add(r.usagePointId)
        } else if (r._tag === "UsageSummary") {
          periods.add(r)
          if (r.tariff !== undefined) tariffs.set(r.usagePointId, r.tariff)
        }
      }
    }
  } catch (e) {
    throw fileProblem(e)
  }
  const bills = periods.of().map((p) => bill(p.summary))
  for (const b of bills) withData.add(b.utility_service_id!)
  if (withData.size === 0) throw notGreenButton("The file holds no energy readings and no bills.")
  const services = [...withData].sort().map((id) => ({ ...serviceOf(id), utility_tariff_name: tariffs.get(id) ?? null }))
  return { services, bills }
}

/** Second pass: the readings, de-duplicated as the first pass saw them, in Store-sized batches. */
async function* readings(path: string): AsyncGenerator<ReadonlyArray<Collector.CollectedInterval>> {
  let out: Array<Collector.CollectedInterval> = []
  try {
    for await (const batch of dedupeBatches(readGreenButtonFileBatches(path))) {
      for (const r of batch as ReadonlyArray<EspiRecord>) if (r._tag === "Reading" && isInterval(r)) out.push(interval(r))
      if (out.length >= BATCH) {
        yield out
        out = []
      }
    }
  } catch (e) {
    throw fileProblem(e)
  }
  if (out.length > 0) yield out
}

/** Reads the multipart body into `dir/upload`; resolves with the form's fields and the file's name. */
const spool = (request: Request, dir: string, maxBytes: number) =>
  new Promise<{ fields: Record<string, string>; fileName: string | undefined }>((resolve, reject) => {
    const contentType = request.headers.get("content-type") ?? ""
    if (!/^multipart\/form-data\b/i.test(contentType) || request.body === null) {
      return reject(new HttpError(415, "unsupported_media_type", "Send the file as multipart/form-data, in a field named \"file\"."))
    }
    let busboy: ReturnType<typeof Busboy>
    try {
      busboy = Busboy({ headers: { "content-type": contentType }, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 10_000 } })
    } catch (e) {
      return reject(badRequest("invalid_multipart", `Unreadable multipart body: ${(e as Error).message}`))
    }
    const fields: Record<string, string> = {}
    let fileName: string | undefined
    let writing: Promise<void> = Promise.resolve()
    let failed: HttpError | undefined
    busboy.on("field", (name, value) => {
      fields[name] = value
    })
    busboy.on("file", (_field, stream, name) => {
      fileName = name || "upload"
      stream.on("limit", () => {
        failed = new HttpError(413, "file_too_large", `The file is larger than ${maxBytes} bytes.`)
      })
      writing = pipeline(stream, createWriteStream(join(dir, "upload")))
    })
    busboy.on("error", (e) => reject(badRequest("invalid_multipart", `Unreadable multipart body: ${e instanceof Error ? e.message : String(e)}`)))
    busboy.on("finish", () => {
      writing.then(() => (failed ? reject(failed) : resolve({ fields, fileName })), reject)
    })
    Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>).on("error", reject).pipe(busboy)
  })

export const makeGreenButtonUploads = (options: UploadOptions): FileUploads => ({
  receiveGreenButton: async (request): Promise<ReceivedFile> => {
    const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "mb-upload-"))
    const dispose = () => rm(dir, { recursive: true, force: true })
    try {
      const { fields, fileName } = await spool(request, dir, options.maxBytes)
      if (fileName === undefined) throw badRequest("missing_field", "No file: send it in a multipart field named \"file\".", "file")
      const path = join(dir, "upload")
      const { services, bills } = await survey(path)
      return {
        fields,
        fileName,
        services,
        bills,
        intervals: Stream.fromAsyncIterable(readings(path), fileProblem),
        dispose
      }
    } catch (e) {
      await dispose()
      throw e
    }
  }
})
