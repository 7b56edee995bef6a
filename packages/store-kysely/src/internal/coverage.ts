export type Range = readonly [number, number]

/** Contiguous runs of ranges sorted by start: touching or overlapping ranges merge, a gap splits. */
export const coverage = (sorted: Iterable<Range>): Array<[number, number]> => {
  const out: Array<[number, number]> = []
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
export const union = (a: ReadonlyArray<Range>, b: ReadonlyArray<Range>): Array<[number, number]> =>
  coverage([...a, ...b].sort((x, y) => x[0] - y[0]))
