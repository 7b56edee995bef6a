export * as SceCollector from "./SceCollector.ts"
export * as SceSandbox from "./SceSandbox.ts"
