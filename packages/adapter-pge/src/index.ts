export * as PgeCollector from "./PgeCollector.ts"
export * as PgeSandbox from "./PgeSandbox.ts"
