// Its own entry so that the main one imports without hono (an optional peer, needed only to serve the sandbox).
export * as GbaSandbox from "./GbaSandbox.ts"
