/**
 * What the API and worker processes (node/processes.ts) take from Node:
 * `@hono/node-server` and the socket's peer address, better-sqlite3 (or `pg`),
 * scrypt, and webhook deliveries through `guardedFetch` (addresses checked in
 * the socket's own lookup).
 */
import { serve } from "@hono/node-server"
import { GuardedFetch } from "@meterbridge/webhooks/node"
import { openStore } from "./openStore.ts"
import { scryptPasswords } from "./passwords.ts"
import { nodeTokenHash } from "./tokenHash.ts"
import type { ProcessRuntime } from "./processes.ts"

export const nodeRuntime: ProcessRuntime = {
  name: "node",
  openStore,
  passwords: scryptPasswords,
  tokenHash: nodeTokenHash,
  deliveryFetch: (policy) => GuardedFetch.guardedFetch(policy),
  listen: async (settings, handler) => {
    const server = serve({
      fetch: (request, nodeEnv) => handler(request, nodeEnv.incoming.socket.remoteAddress),
      port: settings.port,
      hostname: settings.host
    })
    await new Promise<void>((resolve, reject) => {
      server.once("listening", () => resolve())
      server.once("error", (e) => reject(new Error(`cannot listen on ${settings.host}:${settings.port}: ${e.message}`)))
    })
    const address = server.address()
    return {
      port: typeof address === "object" && address ? address.port : settings.port,
      close: () => new Promise<void>((resolve) => {
        // Stop accepting, let requests in flight finish (the shutdown deadline bounds them), drop idle keep-alive sockets.
        server.close(() => resolve())
        ;(server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.()
      })
    }
  }
}
