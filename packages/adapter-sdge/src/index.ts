export * as SdgeCollector from "./SdgeCollector.ts"
export * as SdgeSandbox from "./SdgeSandbox.ts"
