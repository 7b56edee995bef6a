/**
 * SCE in a server (see ConnectRegistration): live with `SCE_CLIENT_ID` and `SCE_CLIENT_SECRET`; otherwise test
 * mode against the sandbox.
 */
import type { Registration } from "@meterbridge/core"
import { ConnectRegistration } from "@meterbridge/greenbutton"
import * as SceCollector from "./SceCollector.ts"
import * as SceSandbox from "./SceSandbox.ts"

export const registration: Registration.Registration = ConnectRegistration.make({
  utility: SceCollector.UTILITY,
  slug: "sce",
  prefix: "SCE",
  live: SceCollector.make,
  collector: SceCollector.make,
  sandbox: { make: SceSandbox.makeSandbox, dataset: SceSandbox.dataset, clientId: SceSandbox.SANDBOX_CLIENT_ID, clientSecret: SceSandbox.SANDBOX_CLIENT_SECRET }
})
