export * as MemoryStore from "./MemoryStore.ts"
export * as Clocks from "./Clocks.ts"
