export * as DemoCollector from "./DemoCollector.ts"
