import { createReadStream, existsSync, statSync } from "node:fs"
import { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Schema } from "effect"
import yauzl from "yauzl"
import type { EspiRecord } from "./EspiRecord.ts"
import { parseEspi } from "./Espi.ts"
import { parseGreenButtonCsv } from "./GreenButtonCsv.ts"

export class GreenButtonFileError extends Schema.TaggedError<GreenButtonFileError>()("GreenButtonFileError", {
  message: Schema.String
}) {}

/**
 * Streams a Green Button file from disk: ESPI XML or a utility CSV (told apart by content, not by name), also inside
 * the `.zip` utilities hand out (every .xml / .csv in it, in order) or gzip-compressed.
 */
export async function* readGreenButtonFile(path: string): AsyncGenerator<EspiRecord> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new GreenButtonFileError({ message: `No such file: ${path}` })
  const head = await firstBytes(createReadStream(path, { start: 0, end: 3 }))
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    yield* zipRecords(path)
    return
  }
  yield* recordsOf(createReadStream(path, { highWaterMark: 1 << 16 }), path)
}

const firstBytes = async (stream: AsyncIterable<Buffer>): Promise<Buffer> => {
  const parts: Array<Buffer> = []
  for await (const b of stream) parts.push(b)
  return Buffer.concat(parts)
}

/** Decides by the first chunk: gzip magic, a UTF-16 BOM or `<` means XML (after gunzip), anything else CSV. */
async function* recordsOf(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<EspiRecord> {
  const it = chunks[Symbol.asyncIterator]()
  let first = await it.next()
  while (!first.done && first.value.length === 0) first = await it.next()
  if (first.done) throw new GreenButtonFileError({ message: `Empty file: ${name}` })
  const head: Buffer = first.value
  const all = (async function*() {
    yield head
    for (;;) {
      const n = await it.next()
      if (n.done) return
      yield n.value
    }
  })()
  if (head[0] === 0x1f && head[1] === 0x8b) {
    yield* recordsOf(Readable.from(all).pipe(createGunzip()), name)
    return
  }
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)
  const text = head.subarray(0, 1024).toString("utf8").replace(/^\uFEFF/, "").trimStart()
  if (text === "" && !utf16) throw new GreenButtonFileError({ message: `Empty file: ${name}` })
  yield* utf16 || text.startsWith("<") ? parseEspi(all) : parseGreenButtonCsv(all)
}

async function* zipRecords(path: string): AsyncGenerator<EspiRecord> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false })
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
      yield* recordsOf(await zip.openReadStreamPromise(entry), `${path}:${entry.fileName}`)
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
