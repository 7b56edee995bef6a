/** The registry of utilities this deployment serves: a plain keyed list, built once by the app. */
import { Context, Layer } from "effect"
import type { Collector, CollectorInfo } from "./Collector.ts"

export interface CollectorsShape {
  readonly get: (utility: string) => Collector | undefined
  readonly all: ReadonlyArray<CollectorInfo>
}

export class Collectors extends Context.Service<Collectors, CollectorsShape>()("@meterbridge/core/Collectors") {}

export const make = (collectors: ReadonlyArray<Collector>): CollectorsShape => {
  const byId = new Map<string, Collector>()
  for (const c of collectors) {
    if (byId.has(c.info.utility)) throw new Error(`Utility ${c.info.utility} is registered twice`)
    byId.set(c.info.utility, c)
  }
  return { get: (utility) => byId.get(utility), all: collectors.map((c) => c.info) }
}

export const layer = (collectors: ReadonlyArray<Collector>) => Layer.succeed(Collectors, make(collectors))
