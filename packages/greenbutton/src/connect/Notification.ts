/**
 * The ESPI Notification: the Data Custodian POSTs a `BatchList` (resource URIs that have new data) to the third
 * party's `thirdPartyNotifyUri`; the third party then GETs each URI with its token.
 * `<BatchList xmlns="http://naesb.org/espi"><resources>https://…/Batch/Subscription/5</resources>…</BatchList>`
 */
import { Result, Schema } from "effect"
import { SaxesParser } from "saxes"

export class InvalidBatchList extends Schema.TaggedError<InvalidBatchList>()("InvalidBatchList", {
  message: Schema.String
}) {}

const localName = (name: string) => name.slice(name.indexOf(":") + 1)

/** Reads a BatchList body into its resource URIs, in order; every URI must be absolute http(s). */
export const parseBatchList = (xml: string): Result.Result<ReadonlyArray<string>, InvalidBatchList> => {
  const fail = (message: string) => Result.fail(new InvalidBatchList({ message }))
  const parser = new SaxesParser({ xmlns: false, position: false })
  const uris: Array<string> = []
  let root: string | undefined
  let depth = 0
  let inResource = false
  let text = ""
  let error: Error | undefined
  parser.on("error", (e) => {
    error ??= e
  })
  parser.on("opentag", (tag) => {
    depth++
    if (depth === 1) root = localName(tag.name)
    if (depth === 2 && localName(tag.name) === "resources") {
      inResource = true
      text = ""
    }
  })
  parser.on("text", (t) => {
    if (inResource) text += t
  })
  parser.on("closetag", () => {
    if (depth === 2 && inResource) {
      uris.push(text.trim())
      inResource = false
    }
    depth--
  })
  try {
    parser.write(xml).close()
  } catch (e) {
    error ??= e as Error
  }
  if (error !== undefined) return fail(`The notification is not well-formed XML: ${error.message}`)
  if (root !== "BatchList") return fail(`Expected a BatchList, got ${root === undefined ? "no element" : `<${root}>`}`)
  for (const uri of uris) {
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      return fail(`"${uri}" is not an absolute URI`)
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return fail(`"${uri}" is not an http(s) URI`)
  }
  return Result.succeed(uris)
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** Writes a BatchList, as the Data Custodian sends it. */
export const formatBatchList = (uris: ReadonlyArray<string>): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<BatchList xmlns="http://naesb.org/espi">${
    uris.map((u) => `<resources>${escapeXml(u)}</resources>`).join("")
  }</BatchList>\n`

/**
 * The third party's Notification endpoint, runtime-neutral (mount it on any fetch-style router): a valid BatchList
 * is acknowledged with 200 at once and its URIs handed to `onResources`, which fetches them in the background
 * (the Data Custodian does not wait for the downloads); anything else gets 400 with the reason.
 */
export const notificationHandler =
  (onResources: (uris: ReadonlyArray<string>) => unknown) => async (request: Request): Promise<Response> => {
    if (request.method !== "POST") return new Response("POST a BatchList", { status: 405, headers: { allow: "POST" } })
    const parsed = parseBatchList(await request.text())
    if (Result.isFailure(parsed)) return new Response(parsed.failure.message, { status: 400 })
    void Promise.resolve().then(() => onResources(parsed.success)).catch(() => undefined)
    return new Response(null, { status: 200 })
  }
