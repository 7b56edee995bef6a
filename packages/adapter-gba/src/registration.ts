/**
 * GBA in a server. Live: `GBA_CLIENT_ID` and `GBA_CLIENT_SECRET` (and a client
 * certificate, `GBA_TLS_CERT` / `GBA_TLS_KEY`, PEM, if the Data Custodian asks for one);
 * with none set, test mode against the sandbox serving the last 400 days.
 */
import { Config, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as GbaCollector from "./GbaCollector.ts"
import * as GbaSandbox from "./GbaSandbox.ts"

export const registration = Registration.make({
  utility: GbaCollector.UTILITY,
  slug: "gba",
  settings: Config.all({ client: Registration.credentials("GBA", ["CLIENT_ID", "CLIENT_SECRET"]), tls: Registration.tls("GBA") }).pipe(
    Config.map(({ client, tls }) => Option.map(client, (c) => ({ clientId: c.CLIENT_ID, clientSecret: c.CLIENT_SECRET, ...tls })))
  ),
  live: (settings, host) => GbaCollector.make({ ...settings, redirectUri: `${host.publicBaseUrl}/api/oauth/callback` }),
  testMode: (sandboxUrl, host) => {
    const sandbox = GbaSandbox.makeSandbox({ publicBaseUrl: sandboxUrl, customers: GbaSandbox.dataset({ from: Registration.dayBefore(host.nowMs, 399).iso, days: 400 }) })
    return {
      app: sandbox.app,
      collector: (baseUrl, fetch) =>
        GbaCollector.make({ baseUrl, fetch, clientId: GbaSandbox.SANDBOX_CLIENT_ID, clientSecret: GbaSandbox.SANDBOX_CLIENT_SECRET })
    }
  }
})
