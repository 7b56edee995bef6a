/**
 * Coverage: the contiguous date ranges a service's bills or intervals span
 * (`bill_coverage`, `interval_coverage`). One definition for every Store, so
 * they all answer alike: touching or overlapping ranges merge, a gap splits.
 */
import type { Micros } from "./Timestamp.ts"

export type Range = readonly [Micros, Micros]

/** Contiguous runs of ranges sorted by start. */
export const fromSorted = (sorted: Iterable<Range>): Array<[Micros, Micros]> => {
  const out: Array<[Micros, Micros]> = []
  for (const [start, end] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && start <= last[1]) {
      if (end > last[1]) last[1] = end
    } else {
      out.push([start, end])
    }
  }
  return out
}

/** Merges two coverages (each sorted and disjoint). */
export const union = (a: ReadonlyArray<Range>, b: ReadonlyArray<Range>): Array<[Micros, Micros]> =>
  fromSorted([...a, ...b].sort((x, y) => x[0] - y[0]))
