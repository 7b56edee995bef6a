/**
 * SDG&E in a server. Live: `SDGE_CLIENT_ID`, `SDGE_CLIENT_SECRET` and the
 * endpoints SDG&E gives a registered third party (`SDGE_AUTHORIZATION_URL`,
 * `SDGE_TOKEN_URL`, `SDGE_RESOURCE_BASE_URL`) (and the
 * client certificate, `SDGE_TLS_CERT` / `SDGE_TLS_KEY`, PEM); with none set,
 * test mode against the sandbox serving the last 400 days, so a new account
 * sees recent data.
 */
import { Config, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as SdgeCollector from "./SdgeCollector.ts"
import * as SdgeSandbox from "./SdgeSandbox.ts"

export const registration = Registration.make({
  utility: "SDG&E",
  slug: "sdge",
  settings: Config.all({ client: Registration.credentials("SDGE", ["CLIENT_ID", "CLIENT_SECRET", "AUTHORIZATION_URL", "TOKEN_URL", "RESOURCE_BASE_URL"]), tls: Registration.tls("SDGE") }).pipe(
    Config.map(({ client, tls }) => Option.map(client, (c) => ({
      clientId: c.CLIENT_ID,
      clientSecret: c.CLIENT_SECRET,
      endpoints: { authorizationUrl: c.AUTHORIZATION_URL, tokenUrl: c.TOKEN_URL, resourceBaseUrl: c.RESOURCE_BASE_URL },
      ...tls
    })))
  ),
  live: (settings, host) => SdgeCollector.make({ ...settings, redirectUri: `${host.publicBaseUrl}/api/oauth/callback` }),
  testMode: (sandboxUrl, host) => {
    const sandbox = SdgeSandbox.makeSandbox({ publicBaseUrl: sandboxUrl, customers: SdgeSandbox.dataset({ from: Registration.dayBefore(host.nowMs, 399).iso, days: 400 }) })
    return {
      app: sandbox.app,
      collector: (baseUrl, fetch) => SdgeCollector.make({ baseUrl, fetch, clientId: SdgeSandbox.SANDBOX_CLIENT_ID, clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET })
    }
  }
})
