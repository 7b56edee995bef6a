/** Text as a whole, as bytes, or as a stream of either (a file stream, an HTTP body, generated chunks). */
export type TextInput =
  | string
  | Uint8Array
  | AsyncIterable<string | Uint8Array>
  | Iterable<string | Uint8Array>

const SLICE = 1 << 16

/** UTF-8 text chunks with a leading byte-order mark removed; bytes split mid-character are carried over. */
export async function* toTextChunks(input: TextInput): AsyncGenerator<string> {
  if (typeof input === "string") {
    const text = stripBom(input)
    for (let i = 0; i < text.length; i += SLICE) yield text.slice(i, i + SLICE)
    return
  }
  if (input instanceof Uint8Array) {
    yield* toTextChunks(decoderFor(input).decode(input))
    return
  }
  let decoder: TextDecoder | undefined
  let first = true
  const iterable = input as AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>
  for await (const chunk of iterable) {
    if (typeof chunk !== "string" && decoder === undefined) decoder = decoderFor(chunk)
    let text = typeof chunk === "string" ? chunk : decoder!.decode(chunk, { stream: true })
    if (text === "") continue
    if (first) {
      text = stripBom(text)
      first = false
    }
    yield text
  }
  const tail = decoder?.decode() ?? ""
  if (tail !== "") yield tail
}

/**
 * UTF-8 unless the bytes say otherwise: a UTF-16 byte-order mark, or an XML declaration naming another encoding
 * (`<?xml version="1.0" encoding="ISO-8859-1"?>`).
 */
const decoderFor = (head: Uint8Array): TextDecoder => {
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder("utf-16le")
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder("utf-16be")
  let ascii = ""
  for (let i = 0; i < Math.min(head.length, 200); i++) ascii += String.fromCharCode(head[i]!)
  const declared = /^(?:\uFEFF|\xEF\xBB\xBF)?\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(ascii)?.[1]
  if (declared !== undefined) {
    try {
      return new TextDecoder(declared)
    } catch {
      // An encoding the platform does not know: read as UTF-8 rather than fail on a label.
    }
  }
  return new TextDecoder("utf-8")
}

const stripBom = (s: string): string => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s)
