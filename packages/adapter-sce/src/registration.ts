/**
 * SCE in a server. Live: `SCE_CLIENT_ID` and `SCE_CLIENT_SECRET` (and the
 * client certificate, `SCE_TLS_CERT` / `SCE_TLS_KEY`, PEM); with none set,
 * test mode against the sandbox serving the last 400 days, so a new account
 * sees recent data.
 */
import { Config, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as SceCollector from "./SceCollector.ts"
import * as SceSandbox from "./SceSandbox.ts"

export const registration = Registration.make({
  utility: "SCE",
  slug: "sce",
  settings: Config.all({ client: Registration.credentials("SCE", ["CLIENT_ID", "CLIENT_SECRET"]), tls: Registration.tls("SCE") }).pipe(
    Config.map(({ client, tls }) => Option.map(client, (c) => ({ clientId: c.CLIENT_ID, clientSecret: c.CLIENT_SECRET, ...tls })))
  ),
  live: (settings, host) => SceCollector.make({ ...settings, redirectUri: `${host.publicBaseUrl}/api/oauth/callback` }),
  testMode: (sandboxUrl, host) => {
    const sandbox = SceSandbox.makeSandbox({ publicBaseUrl: sandboxUrl, customers: SceSandbox.dataset({ from: Registration.dayBefore(host.nowMs, 399).iso, days: 400 }) })
    return {
      app: sandbox.app,
      collector: (baseUrl, fetch) => SceCollector.make({ baseUrl, fetch, clientId: SceSandbox.SANDBOX_CLIENT_ID, clientSecret: SceSandbox.SANDBOX_CLIENT_SECRET })
    }
  }
})
