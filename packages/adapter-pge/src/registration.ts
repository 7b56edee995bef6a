/**
 * PG&E in a server (see ConnectRegistration): live with `PGE_CLIENT_ID`, `PGE_CLIENT_SECRET` and the Share My Data
 * client certificate `PGE_TLS_CERT` / `PGE_TLS_KEY` (PEM); otherwise test mode against the sandbox.
 */
import type { Registration } from "@meterbridge/core"
import { ConnectRegistration } from "@meterbridge/greenbutton"
import * as PgeCollector from "./PgeCollector.ts"
import * as PgeSandbox from "./PgeSandbox.ts"

export const registration: Registration.Registration = ConnectRegistration.make({
  utility: PgeCollector.UTILITY,
  slug: "pge",
  prefix: "PGE",
  live: PgeCollector.make,
  collector: PgeCollector.make,
  sandbox: { make: PgeSandbox.makeSandbox, dataset: PgeSandbox.dataset, clientId: PgeSandbox.SANDBOX_CLIENT_ID, clientSecret: PgeSandbox.SANDBOX_CLIENT_SECRET }
})
