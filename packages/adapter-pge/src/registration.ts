/**
 * PG&E in a server. Live: `PGE_CLIENT_ID` and `PGE_CLIENT_SECRET` (and the
 * client certificate, `PGE_TLS_CERT` / `PGE_TLS_KEY`, PEM); with none set,
 * test mode against the sandbox serving the last 400 days, so a new account
 * sees recent data.
 */
import { Config, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as PgeCollector from "./PgeCollector.ts"
import * as PgeSandbox from "./PgeSandbox.ts"

export const registration = Registration.make({
  utility: "PG&E",
  slug: "pge",
  settings: Config.all({ client: Registration.credentials("PGE", ["CLIENT_ID", "CLIENT_SECRET"]), tls: Registration.tls("PGE") }).pipe(
    Config.map(({ client, tls }) => Option.map(client, (c) => ({ clientId: c.CLIENT_ID, clientSecret: c.CLIENT_SECRET, ...tls })))
  ),
  live: (settings, host) => PgeCollector.make({ ...settings, redirectUri: `${host.publicBaseUrl}/api/oauth/callback` }),
  testMode: (sandboxUrl, host) => {
    const sandbox = PgeSandbox.makeSandbox({ publicBaseUrl: sandboxUrl, customers: PgeSandbox.dataset({ from: Registration.dayBefore(host.nowMs, 399).iso, days: 400 }) })
    return {
      app: sandbox.app,
      collector: (baseUrl, fetch) => PgeCollector.make({ baseUrl, fetch, clientId: PgeSandbox.SANDBOX_CLIENT_ID, clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET })
    }
  }
})
