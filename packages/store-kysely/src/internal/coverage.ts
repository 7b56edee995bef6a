/** The shared coverage rule lives in core; re-exported here under the names this package uses. */
import { Coverage } from "@meterbridge/core"

export type Range = Coverage.Range
export const coverage = Coverage.fromSorted
export const union = Coverage.union
