// The Data Custodian sandbox (a Hono app, Node only): its own entry, so the main one imports without hono.
export * as Customer from "./Customer.ts"
export * as DataCustodian from "./DataCustodian.ts"
export * as Dataset from "./Dataset.ts"
export * as Expected from "./Expected.ts"
export * as Seed from "./Seed.ts"
