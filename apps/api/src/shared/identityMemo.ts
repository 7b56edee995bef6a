/**
 * A value computed from some objects, remembered for as long as it is asked
 * for with the very same objects (compared by identity; strings and numbers by value). A Store that hands
 * back the records it keeps (the SQLite reader keeps them until the database
 * changes) thereby spares the per-request work built on them, e.g. a
 * response's JSON text; a Store that reads fresh records each time only pays
 * one lookup. At most `maxEntries` keys; when full it starts over.
 */
export const identityMemo = <D extends ReadonlyArray<unknown>, V>(compute: (...from: D) => V, maxEntries = 10_000) => {
  const entries = new Map<string, { readonly from: D; readonly value: V }>()
  return (key: string, ...from: D): V => {
    const hit = entries.get(key)
    if (hit !== undefined && hit.from.length === from.length && hit.from.every((o, i) => o === from[i])) return hit.value
    const value = compute(...from)
    if (entries.size >= maxEntries) entries.clear()
    entries.set(key, { from, value })
    return value
  }
}
