/**
 * What the API process (node/processes.ts, which Bun runs as it is) takes
 * from Bun: `Bun.serve` and `server.requestIP` for the peer address, the
 * Store on `bun:sqlite` (or `pg`), argon2id through `Bun.password`, and
 * webhook deliveries pinned to the checked address (bun/pinnedFetch.ts).
 */
import { DEFAULT_MAX_BYTES } from "../node/greenButtonUploads.ts"
import type { ProcessRuntime } from "../node/processes.ts"
import { openStore } from "./openStore.ts"
import { nodeTokenHash } from "../node/tokenHash.ts"
import { bunPasswords } from "./passwords.ts"
import { pinnedFetch } from "./pinnedFetch.ts"

export const bunRuntime: ProcessRuntime = {
  name: "bun",
  openStore,
  passwords: bunPasswords,
  // Bun implements node:crypto's hashes natively.
  tokenHash: nodeTokenHash,
  deliveryFetch: (policy) => pinnedFetch(policy),
  listen: async (settings, handler) => {
    let server: BunServer
    try {
      server = Bun.serve({
        port: settings.port,
        hostname: settings.host,
        // Bun refuses bodies above 128 MiB by default, before the app could answer in its own format.
        maxRequestBodySize: Math.max(settings.maxBodyBytes, settings.uploadMaxBytes ?? DEFAULT_MAX_BYTES) + 1024 * 1024,
        fetch: (request) => handler(request, server.requestIP(request)?.address)
      })
    } catch (e) {
      throw new Error(`cannot listen on ${settings.host}:${settings.port}: ${e instanceof Error ? e.message : String(e)}`)
    }
    // In-flight requests finish; idle keep-alive connections close (Bun's stop without `true`).
    return { port: server.port, close: () => server.stop() }
  }
}
