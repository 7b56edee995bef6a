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
    yield* toTextChunks(new TextDecoder("utf-8").decode(input))
    return
  }
  const decoder = new TextDecoder("utf-8")
  let first = true
  const iterable = input as AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>
  for await (const chunk of iterable) {
    let text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })
    if (text === "") continue
    if (first) {
      text = stripBom(text)
      first = false
    }
    yield text
  }
  const tail = decoder.decode()
  if (tail !== "") yield tail
}

const stripBom = (s: string): string => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s)
