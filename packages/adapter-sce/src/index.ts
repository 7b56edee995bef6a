export * as SceCollector from "./SceCollector.ts"
