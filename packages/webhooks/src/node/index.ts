export * as GuardedFetch from "./GuardedFetch.ts"
