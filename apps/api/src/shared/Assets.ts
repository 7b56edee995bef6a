/**
 * Static files the pages load (the chart library, the API reference, the
 * dashboard's own script). Reading files is runtime-specific, so each
 * entrypoint hands in a reader (`src/node/assets.ts` on Node); the web
 * surface serves what it returns under `/assets/<name>`.
 */
export const NAMES = ["uplot.js", "uplot.css", "scalar.js", "dashboard.js", "docs.js"] as const
export type AssetName = (typeof NAMES)[number]

export interface Asset {
  readonly body: Uint8Array
  readonly type: string
}

export type Assets = (name: AssetName) => Promise<Asset | undefined>

export const isName = (name: string): name is AssetName => (NAMES as ReadonlyArray<string>).includes(name)

/** A runtime without a reader serves no assets: pages still work, without chart or reference. */
export const none: Assets = () => Promise.resolve(undefined)
