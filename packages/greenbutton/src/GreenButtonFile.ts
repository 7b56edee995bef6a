import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from "node:fs"
import type { EspiRecord } from "./EspiRecord.ts"
import { parseEspi } from "./Espi.ts"
import { parseGreenButtonCsv } from "./GreenButtonCsv.ts"
import { Schema } from "effect"

export class GreenButtonFileError extends Schema.TaggedError<GreenButtonFileError>()("GreenButtonFileError", {
  message: Schema.String
}) {}

/** Streams a Green Button file from disk, XML or CSV (told apart by the first character that is not a BOM or space). */
export const readGreenButtonFile = (path: string): AsyncGenerator<EspiRecord> => {
  if (!existsSync(path) || !statSync(path).isFile()) throw new GreenButtonFileError({ message: `No such file: ${path}` })
  const fd = openSync(path, "r")
  const head = Buffer.alloc(1024)
  const n = readSync(fd, head, 0, head.length, 0)
  closeSync(fd)
  const first = head.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").trimStart()[0]
  if (first === undefined) throw new GreenButtonFileError({ message: `Empty file: ${path}` })
  const stream = createReadStream(path, { highWaterMark: 1 << 16 })
  return first === "<" ? parseEspi(stream) : parseGreenButtonCsv(stream)
}
