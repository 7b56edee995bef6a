export * as GbaCollector from "./GbaCollector.ts"
