export * as PgeCollector from "./PgeCollector.ts"
