/**
 * GBA in a server (see ConnectRegistration): live with `GBA_CLIENT_ID` and `GBA_CLIENT_SECRET`
 * (and a client certificate `GBA_TLS_CERT` / `GBA_TLS_KEY` if the Data Custodian asks for one);
 * otherwise test mode against the sandbox.
 */
import type { Registration } from "@meterbridge/core"
import { ConnectRegistration } from "@meterbridge/greenbutton"
import * as GbaCollector from "./GbaCollector.ts"
import * as GbaSandbox from "./GbaSandbox.ts"

export const registration: Registration.Registration = ConnectRegistration.make({
  utility: GbaCollector.UTILITY,
  slug: "gba",
  prefix: "GBA",
  live: GbaCollector.make,
  collector: GbaCollector.make,
  sandbox: { make: GbaSandbox.makeSandbox, dataset: GbaSandbox.dataset, clientId: GbaSandbox.SANDBOX_CLIENT_ID, clientSecret: GbaSandbox.SANDBOX_CLIENT_SECRET }
})
