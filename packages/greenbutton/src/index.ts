export * from "./EspiRecord.ts"
