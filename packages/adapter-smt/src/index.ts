export * as SmtClient from "./SmtClient.ts"
export * as SmtCollector from "./SmtCollector.ts"
export * as SmtCsv from "./SmtCsv.ts"
