/** A Green Button Alliance sandbox Data Custodian sandbox: the shared Data Custodian with synthetic customers of its own. */
import { DataCustodian, Dataset } from "@meterbridge/greenbutton/sandbox"
import { info, UTILITY } from "./GbaCollector.ts"

export const SANDBOX_CLIENT_ID = "meterbridge-gba-sandbox"
export const SANDBOX_CLIENT_SECRET = "gba-sandbox-secret"

/** `range` moves the data in time (e.g. to end today, for a server in test mode); the default is fixed for tests. */
export const dataset = (range: { readonly from?: string; readonly days?: number } = {}): ReadonlyArray<Dataset.SandboxCustomer> =>
  Dataset.generate({ ...range, seed: 655 })

export const makeSandbox = (options: Partial<DataCustodian.DataCustodianOptions> = {}): DataCustodian.DataCustodian =>
  DataCustodian.makeDataCustodian({
    utility: UTILITY,
    utilityName: info.name,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    customers: dataset(),
    ...options
  })
