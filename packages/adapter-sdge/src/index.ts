export * as SdgeCollector from "./SdgeCollector.ts"
