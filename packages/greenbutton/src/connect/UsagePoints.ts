/**
 * Reads a UsagePoint feed (`…/Subscription/{id}/UsagePoint`) for what identifies a service: the UsagePoint id, its
 * title, service kind and `ServiceDeliveryPoint` (name = meter, tariffProfile, customerAgreement = account).
 * The ESPI parser streams energy data and skips these descriptive fields, so this small reader takes them.
 */
import { Result, Schema } from "effect"
import { SaxesParser } from "saxes"

export interface UsagePointInfo {
  readonly id: string
  readonly href: string
  readonly title?: string
  /** ESPI ServiceCategory kind: 0 electricity, 1 gas, 2 water. */
  readonly kind?: number
  readonly deliveryPoint: {
    readonly name?: string
    readonly tariffProfile?: string
    readonly customerAgreement?: string
  }
}

export class InvalidUsagePointFeed extends Schema.TaggedError<InvalidUsagePointFeed>()("InvalidUsagePointFeed", {
  message: Schema.String
}) {}

const localName = (name: string) => name.slice(name.indexOf(":") + 1)

interface Draft {
  self?: string
  title?: string
  isUsagePoint: boolean
  kind?: number
  sdp: { name?: string; tariffProfile?: string; customerAgreement?: string }
}

/** The UsagePoints of a feed (or of a single entry), in document order. */
export const parseUsagePoints = (xml: string): Result.Result<ReadonlyArray<UsagePointInfo>, InvalidUsagePointFeed> => {
  const parser = new SaxesParser({ xmlns: false, position: false })
  const out: Array<UsagePointInfo> = []
  const path: Array<string> = []
  let draft: Draft | undefined
  let root: string | undefined
  let text = ""
  let error: Error | undefined
  parser.on("error", (e) => {
    error ??= e
  })
  parser.on("opentag", (tag) => {
    const name = localName(tag.name)
    root ??= name
    path.push(name)
    text = ""
    if (name === "entry") draft = { isUsagePoint: false, sdp: {} }
    if (draft === undefined) return
    if (name === "link" && tag.attributes["rel"] === "self") draft.self = String(tag.attributes["href"] ?? "")
    if (name === "UsagePoint") draft.isUsagePoint = true
  })
  parser.on("text", (t) => {
    text += t
  })
  parser.on("closetag", (tag) => {
    const name = localName(tag.name)
    const parent = path[path.length - 2]
    const value = text.trim()
    if (draft !== undefined) {
      if (name === "title" && parent === "entry") draft.title = value
      if (name === "kind" && parent === "ServiceCategory") draft.kind = Number(value)
      if (parent === "ServiceDeliveryPoint" && (name === "name" || name === "tariffProfile" || name === "customerAgreement")) {
        draft.sdp[name] = value
      }
      if (name === "entry") {
        if (draft.isUsagePoint && draft.self) {
          const href = draft.self
          const id = decodeURIComponent(href.replace(/\/$/, "").split("/").pop() ?? "")
          out.push({
            id,
            href,
            ...(draft.title ? { title: draft.title } : {}),
            ...(draft.kind !== undefined && !Number.isNaN(draft.kind) ? { kind: draft.kind } : {}),
            deliveryPoint: draft.sdp
          })
        }
        draft = undefined
      }
    }
    path.pop()
    text = ""
  })
  try {
    parser.write(xml).close()
  } catch (e) {
    error ??= e as Error
  }
  if (error !== undefined) {
    return Result.fail(new InvalidUsagePointFeed({ message: `The UsagePoint feed is not well-formed XML: ${error.message}` }))
  }
  if (root !== "feed" && root !== "entry") {
    return Result.fail(new InvalidUsagePointFeed({ message: `Expected an Atom feed, got ${root === undefined ? "nothing" : `<${root}>`}` }))
  }
  return Result.succeed(out)
}
