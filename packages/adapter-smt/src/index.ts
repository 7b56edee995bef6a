export * as SmtClient from "./SmtClient.ts"
export * as SmtCollector from "./SmtCollector.ts"
export * as SmtCsv from "./SmtCsv.ts"
export * as SmtSandbox from "./SmtSandbox.ts"
