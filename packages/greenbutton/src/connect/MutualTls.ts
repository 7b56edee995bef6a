/**
 * Mutual TLS for Node (PG&E requires a client certificate on every API call). Kept out of the runtime-neutral
 * path: `ConnectClient` imports this module only when a certificate is configured.
 */
import { Agent, fetch as undiciFetch } from "undici"

export interface TlsOptions {
  /** PEM client certificate (chain). */
  readonly cert: string
  /** PEM private key of the client certificate. */
  readonly key: string
  /** PEM CA bundle to trust for the utility's server certificate, when it is not a public CA. */
  readonly ca?: string
}

/** A `fetch` that presents the client certificate; undici's own fetch, so the Agent and fetch versions always match. */
export const mutualTlsFetch = (tls: TlsOptions): typeof fetch => {
  const dispatcher = new Agent({
    connect: { cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }) }
  })
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch
}
