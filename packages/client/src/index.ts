export { ApiError, createClient } from "./Client.ts"
export type { Client, ClientOptions, IntervalWindow, ListingPath, ListingQuery, Listings, Schemas } from "./Client.ts"
export type { components, operations, paths } from "./schema.ts"
