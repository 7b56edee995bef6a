/**
 * SDG&E in a server (see ConnectRegistration): live with `SDGE_CLIENT_ID`, `SDGE_CLIENT_SECRET` and the
 * endpoints SDG&E gives a registered third party (`SDGE_AUTHORIZATION_URL`, `SDGE_TOKEN_URL`,
 * `SDGE_RESOURCE_BASE_URL`); otherwise test mode against the sandbox.
 */
import type { Registration } from "@meterbridge/core"
import { ConnectRegistration } from "@meterbridge/greenbutton"
import * as SdgeCollector from "./SdgeCollector.ts"
import * as SdgeSandbox from "./SdgeSandbox.ts"

export const registration: Registration.Registration = ConnectRegistration.make({
  utility: SdgeCollector.UTILITY,
  slug: "sdge",
  prefix: "SDGE",
  extra: ["AUTHORIZATION_URL", "TOKEN_URL", "RESOURCE_BASE_URL"],
  live: ({ extra, ...settings }) =>
    SdgeCollector.make({ ...settings, endpoints: { authorizationUrl: extra.AUTHORIZATION_URL, tokenUrl: extra.TOKEN_URL, resourceBaseUrl: extra.RESOURCE_BASE_URL } }),
  collector: SdgeCollector.make,
  sandbox: { make: SdgeSandbox.makeSandbox, dataset: SdgeSandbox.dataset, clientId: SdgeSandbox.SANDBOX_CLIENT_ID, clientSecret: SdgeSandbox.SANDBOX_CLIENT_SECRET }
})
