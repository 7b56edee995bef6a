/**
 * Reads a request body from its stream, stopping at `maxBytes`: a chunked
 * body (no Content-Length) or a lying one is cut off at the limit instead of
 * being buffered whole. Answers 413 before any further work is done.
 */
import { HttpError } from "./HttpError.ts"

export const tooLarge = (maxBytes: number) =>
  new HttpError(413, "body_too_large", `Request bodies are limited to ${maxBytes} bytes.`)

export const readBytes = async (request: Request, maxBytes: number): Promise<Uint8Array> => {
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

export const readText = async (request: Request, maxBytes: number): Promise<string> => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await readBytes(request, maxBytes))
  } catch (e) {
    if (e instanceof HttpError) throw e
    throw new HttpError(400, "invalid_encoding", "The request body is not valid UTF-8.")
  }
}
