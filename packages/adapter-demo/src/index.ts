export * as DemoCollector from "./DemoCollector.ts"
export * as DemoSandbox from "./DemoSandbox.ts"
