/** Serves a fetch handler (a sandbox's Hono app) on 127.0.0.1 with an ephemeral port, for tests over real HTTP. */
import { serve as honoServe } from "@hono/node-server"
import type { AddressInfo } from "node:net"

export interface Served {
  readonly url: string
  readonly close: () => Promise<void>
}

export const serve = (fetch: (request: Request) => Response | Promise<Response>): Promise<Served> =>
  new Promise((resolve) => {
    const server = honoServe({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            // Keep-alive sockets would hold close() open until they time out.
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          })
      })
    })
  })
