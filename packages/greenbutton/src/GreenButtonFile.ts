import { createReadStream, existsSync, statSync } from "node:fs"
import * as Data from "effect/Data"
import type yauzl from "yauzl"
import type { EspiRecord } from "./EspiRecord.ts"
import { parseEspiBatches } from "./Espi.ts"
import { batched, type Batches, Unbatch } from "./Batches.ts"

// Data.TaggedError, not Schema.TaggedError: loading effect/Schema costs the CLI ~0.1 s and ~30 MB at start-up.
export class GreenButtonFileError extends Data.TaggedError("GreenButtonFileError")<{ readonly message: string }> {}

/**
 * Streams a Green Button file from disk: ESPI XML or a utility CSV (told apart by content, not by name), also inside
 * the `.zip` utilities hand out (every .xml / .csv in it, in order) or gzip-compressed.
 */
export const readGreenButtonFile = (path: string): AsyncGenerator<EspiRecord, void, unknown> =>
  new Unbatch(readGreenButtonFileBatches(path))

/** `readGreenButtonFile` one batch of records at a time (an ESPI feed: one per 64 KB read). */
export async function* readGreenButtonFileBatches(path: string): Batches<EspiRecord> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new GreenButtonFileError({ message: `No such file: ${path}` })
  if (isZip(await firstBytes(createReadStream(path, { start: 0, end: 3 })))) {
    yield* zipRecords(path)
    return
  }
  yield* readGreenButtonStreamBatches(createReadStream(path, { highWaterMark: 1 << 16 }), path)
}

/** A zip's local file header magic, `PK\x03\x04`: a `.zip` is read from a file (its directory is at its end). */
export const isZip = (head: Uint8Array): boolean =>
  head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04


const firstBytes = async (stream: AsyncIterable<Buffer>): Promise<Buffer> => {
  const parts: Array<Buffer> = []
  for await (const b of stream) parts.push(b)
  return Buffer.concat(parts)
}

/**
 * `readGreenButtonFileBatches` over bytes as they arrive (an upload being received), for everything but a `.zip`:
 * decides by the first 1 KB — gzip magic, a UTF-16 BOM or `<` means XML (after gunzip), anything else CSV. `name` is
 * what errors call it.
 */
export async function* readGreenButtonStreamBatches(chunks: AsyncIterable<Buffer>, name: string): Batches<EspiRecord> {
  // Bytes arriving over a network come in chunks of any size, even one byte.
  const { head, all } = await peek(chunks, 1024)
  if (head.length === 0) throw new GreenButtonFileError({ message: `Empty file: ${name}` })
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const [{ Readable }, { createGunzip }] = await Promise.all([import("node:stream"), import("node:zlib")])
    yield* readGreenButtonStreamBatches(Readable.from(all).pipe(createGunzip()), name)
    return
  }
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)
  const text = head.subarray(0, 1024).toString("utf8").replace(/^\uFEFF/, "").trimStart()
  if (text === "" && !utf16) throw new GreenButtonFileError({ message: `Empty file: ${name}` })
  if (utf16 || text.startsWith("<")) {
    yield* parseEspiBatches(all)
    return
  }
  // Loaded on demand, like yauzl: an XML-only run should not pay for the CSV reader at start-up.
  const { parseGreenButtonCsv } = await import("./GreenButtonCsv.ts")
  yield* batched(parseGreenButtonCsv(all))
}

/**
 * The first `bytes` bytes of a stream (fewer when it is shorter) and the whole stream again, head first. It reads by
 * `next()`, never `for await`, so a reader that leaves off early never closes the source: its owner may still drain it.
 */
export const peek = async (chunks: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; all: AsyncGenerator<Buffer> }> => {
  const it = chunks[Symbol.asyncIterator]()
  const parts: Array<Buffer> = []
  let size = 0
  let ended = false
  while (size < bytes && !ended) {
    const n = await it.next()
    if (n.done) ended = true
    else {
      parts.push(n.value)
      size += n.value.length
    }
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  async function* all() {
    if (head.length > 0) yield head
    while (!ended) {
      const n = await it.next()
      if (n.done) ended = true
      else yield n.value
    }
  }
  return { head, all: all() }
}

async function* zipRecords(path: string): Batches<EspiRecord> {
  const { default: zipReader } = await import("yauzl")
  let zip: yauzl.ZipFile
  try {
    zip = await zipReader.openPromise(path, { lazyEntries: true, autoClose: false })
  } catch (e) {
    throw new GreenButtonFileError({ message: `Not a readable zip file: ${path}: ${(e as Error).message}` })
  }
  let found = 0
  try {
    for (;;) {
      const entry = await nextEntry(zip)
      if (entry === undefined) break
      if (!/\.(xml|csv)$/i.test(entry.fileName) || /(^|\/)(__MACOSX\/|\.)/.test(entry.fileName)) continue
      found++
      yield* readGreenButtonStreamBatches(await zip.openReadStreamPromise(entry), `${path}:${entry.fileName}`)
    }
  } finally {
    zip.close()
  }
  if (found === 0) throw new GreenButtonFileError({ message: `No .xml or .csv file inside ${path}` })
}

const nextEntry = (zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> =>
  new Promise((resolve, reject) => {
    const done = () => {
      zip.off("entry", onEntry)
      zip.off("end", onEnd)
      zip.off("error", onError)
    }
    const onEntry = (e: yauzl.Entry) => (done(), resolve(e))
    const onEnd = () => (done(), resolve(undefined))
    const onError = (e: Error) => (done(), reject(new GreenButtonFileError({ message: `Broken zip file: ${e.message}` })))
    zip.on("entry", onEntry)
    zip.on("end", onEnd)
    zip.on("error", onError)
    zip.readEntry()
  })
