export type { Database } from "./Database.ts"
export * as KyselyStore from "./KyselyStore.ts"
export { migrate, migrator } from "./migrations.ts"
export * as Operations from "./Operations.ts"
