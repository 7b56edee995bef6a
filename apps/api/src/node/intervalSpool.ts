/**
 * An uploaded file's intervals between the pass that proves the file readable
 * and the writes into the Store: fixed-size binary rows in a temp file, so the
 * file is parsed once (parsing is half the cost of an upload), the rows wait
 * on disk rather than in memory, and the Store gets them back in its batches.
 *
 * A row is six float64s: start and duration in seconds, kWh, and the indexes of
 * its usage point, flow and quality in small tables kept by the writer.
 */
import { open } from "node:fs/promises"
import type { Collector, Interval } from "@meterbridge/core"
import { Timestamp } from "@meterbridge/core"
import { ConnectCollector, type Reading } from "@meterbridge/greenbutton"

const FIELDS = 6

const FLOWS: ReadonlyArray<Interval.Flow> = ["delivered", "received", "net"]
const QUALITIES: ReadonlyArray<Interval.Quality> = ["actual", "estimated", "questionable", "edited", "derived"]

export interface IntervalSpool {
  /** Queues one reading (in kWh); written by the next `flush`. */
  readonly add: (r: Reading) => void
  /** Writes every full chunk queued so far (all rows when `final`): call it between parser batches. */
  readonly flush: (final?: boolean) => Promise<void>
  /** The rows back, in the order added, `batchRows` at a time; call after the final flush. */
  readonly read: () => AsyncGenerator<ReadonlyArray<Collector.CollectedInterval>>
  readonly close: () => Promise<void>
}

/** `batchRows`: how many rows are written at once and handed back per batch (one Store write each). */
export const openIntervalSpool = async (path: string, batchRows: number): Promise<IntervalSpool> => {
  const file = await open(path, "w+")
  const usagePoints: Array<string> = []
  const usagePointIndex = new Map<string, number>()
  const full: Array<Float64Array> = []
  let rows = new Float64Array(batchRows * FIELDS)
  let n = 0
  let written = 0

  const add = (r: Reading): void => {
    let up = usagePointIndex.get(r.usagePointId)
    if (up === undefined) {
      up = usagePoints.push(r.usagePointId) - 1
      usagePointIndex.set(r.usagePointId, up)
    }
    const o = n * FIELDS
    rows[o] = r.start
    rows[o + 1] = r.duration
    rows[o + 2] = r.value
    rows[o + 3] = up
    rows[o + 4] = FLOWS.indexOf(r.flow)
    rows[o + 5] = QUALITIES.indexOf(ConnectCollector.qualityOf(r.quality))
    if (++n === batchRows) {
      full.push(rows)
      rows = new Float64Array(batchRows * FIELDS)
      n = 0
    }
  }

  const write = async (chunk: Float64Array, count: number): Promise<void> => {
    const bytes = count * FIELDS * 8
    await file.write(new Uint8Array(chunk.buffer, 0, bytes), 0, bytes, written)
    written += bytes
  }

  const flush = async (final = false): Promise<void> => {
    for (const chunk of full.splice(0)) await write(chunk, batchRows)
    if (final && n > 0) {
      await write(rows, n)
      n = 0
    }
  }

  async function* read(): AsyncGenerator<ReadonlyArray<Collector.CollectedInterval>> {
    const buf = new Float64Array(batchRows * FIELDS)
    const bytes = new Uint8Array(buf.buffer)
    for (let at = 0; at < written;) {
      let got = 0
      while (got < bytes.length && at + got < written) {
        const { bytesRead } = await file.read(bytes, got, Math.min(bytes.length - got, written - at - got), at + got)
        if (bytesRead === 0) throw new Error("interval spool: file shorter than written")
        got += bytesRead
      }
      at += got
      const out: Array<Collector.CollectedInterval> = new Array(got / (FIELDS * 8))
      for (let i = 0, o = 0; i < out.length; i++, o += FIELDS) {
        const start = buf[o]!
        out[i] = {
          interval_start: Timestamp.fromSeconds(start),
          interval_end: Timestamp.fromSeconds(start + buf[o + 1]!),
          interval_kWh: buf[o + 2]!,
          flow: FLOWS[buf[o + 4]!]!,
          quality: QUALITIES[buf[o + 5]!]!,
          utility_service_id: usagePoints[buf[o + 3]!]!,
          utility_tariff_name: null,
          utility_service_address: null,
          utility_meter_number: null,
          source: null
        }
      }
      yield out
    }
  }

  return { add, flush, read, close: () => file.close() }
}
