/**
 * v2 listings: `{"<plural>": [...], "next": URL | null}`, newest first, at
 * most 1000 a page. `after` is the uid of the last object of the previous
 * page; `next` repeats every filter of the request with the new `after`.
 */
import { invalidParam } from "./errors.ts"

export interface Ordered {
  readonly uid: string
  readonly created: number
}

/** Newest first; ties by uid, so the order is total and a cursor is stable. */
export const newestFirst = <A extends Ordered>(a: A, b: A) => b.created - a.created || (a.uid < b.uid ? 1 : a.uid > b.uid ? -1 : 0)

export const page = <A extends Ordered>(
  all: ReadonlyArray<A>,
  matches: (a: A) => boolean,
  request: { readonly url: string; readonly after: string | undefined; readonly limit: number }
): { readonly items: ReadonlyArray<A>; readonly next: string | null } => {
  const sorted = [...all].sort(newestFirst)
  let start = 0
  if (request.after !== undefined) {
    const at = sorted.findIndex((a) => a.uid === request.after)
    if (at === -1) throw invalidParam("after", "\"after\" must be the uid of an object of this listing.")
    start = at + 1
  }
  const items: Array<A> = []
  let more = false
  for (let i = start; i < sorted.length; i++) {
    if (!matches(sorted[i]!)) continue
    if (items.length === request.limit) {
      more = true
      break
    }
    items.push(sorted[i]!)
  }
  if (!more || items.length === 0) return { items, next: null }
  const next = new URL(request.url)
  next.searchParams.set("after", items[items.length - 1]!.uid)
  return { items, next: next.toString() }
}
