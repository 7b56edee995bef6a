/**
 * v1 responses: one object or a small list in the request's format, and
 * lists of bills and intervals streamed as they are read from the Store.
 */
import { Stream } from "effect"
import type { Context } from "hono"
import type { Runtime, Services } from "../Runtime.ts"
import { securedResponse } from "../shared/security.ts"
import { csv, CSV_TYPE, csvRows, JSON_TYPE } from "../shared/wire.ts"
import type { AppEnv } from "./AppEnv.ts"

/**
 * One object or a small list, in the request's format. The response is built
 * here with all its headers (see `securedResponse`): headers set earlier with
 * `c.header()` / `setCookie(c, …)` are not carried, so pass them as `headers`.
 */
export const send = (
  c: Context<AppEnv>,
  value: unknown,
  columns?: ReadonlyArray<string>,
  status: 200 | 201 = 200,
  headers?: Readonly<Record<string, string>>
) => {
  const res = c.get("format") === "csv"
    ? securedResponse(csv(value, columns), status, CSV_TYPE)
    : securedResponse(JSON.stringify(value), status, JSON_TYPE)
  if (headers !== undefined) for (const k in headers) res.headers.set(k, headers[k]!)
  return res
}

/** Like `send`, with the JSON already written (`json`); `value` is only built for a CSV answer. */
export const sendJsonText = (c: Context<AppEnv>, json: () => string, value: () => unknown, columns?: ReadonlyArray<string>) =>
  c.get("format") === "csv" ? send(c, value(), columns) : securedResponse(json(), 200, JSON_TYPE)

export interface StreamFormat<A> {
  readonly json: (a: A) => string
  readonly csvColumns: ReadonlyArray<string>
  readonly csvRow: (a: A) => ReadonlyArray<unknown>
  /** `csvRow` already written as a CSV line, where a hot path has one. */
  readonly csvText?: (a: A) => string
}

/**
 * Streams a list as it is read from the Store. Headers are already sent when
 * rows flow, so a Store failure mid-way aborts the body (a truncated response
 * a client detects) instead of answering 200 with a partial list.
 */
export const sendStream = <A, E>(c: Context<AppEnv>, api: Runtime, rows: Stream.Stream<A, E, Services>, f: StreamFormat<A>) => {
  const asCsv = c.get("format") === "csv"
  let first = true
  const body = rows.pipe(
    // Bounded pieces: a Store may hand over a whole list as one chunk.
    Stream.rechunk(2000),
    Stream.chunks,
    Stream.map((chunk) => {
      if (asCsv) {
        const text = f.csvText === undefined ? csvRows(chunk.map(f.csvRow)) : chunk.map(f.csvText).join("")
        if (!first) return text
        first = false
        return csvRows([f.csvColumns]) + text
      }
      let text = first ? "[" : ","
      first = false
      text += chunk.map(f.json).join(",")
      return text
    }),
    Stream.concat(Stream.suspend(() => Stream.make(asCsv ? (first ? csvRows([f.csvColumns]) : "") : first ? "[]" : "]"))),
    Stream.encodeText
  )
  return securedResponse(api.readable(body, c.req.raw.signal), 200, asCsv ? CSV_TYPE : JSON_TYPE)
}
