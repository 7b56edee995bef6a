/**
 * An SDG&E sandbox: the Data Custodian with opaque UsagePoint ids, so services are found by `{account}-{meter}` from
 * each UsagePoint's ServiceDeliveryPoint.
 */
import { DataCustodian, Dataset } from "@meterbridge/greenbutton/sandbox"
import { info, UTILITY } from "./SdgeCollector.ts"

export const SANDBOX_CLIENT_ID = "meterbridge-sdge-sandbox"
export const SANDBOX_CLIENT_SECRET = "sdge-sandbox-secret"

/** `range` moves the data in time (e.g. to end today, for a server in test mode); the default is fixed for tests. */
export const dataset = (range: { readonly from?: string; readonly days?: number } = {}): ReadonlyArray<Dataset.SandboxCustomer> =>
  Dataset.generate({
    ...range,
    seed: 33,
    ids: {
      nem: { usagePoint: "a41f9c07", account: "0012345678", meter: "06543210" },
      commercial: { usagePoint: "b7e2d310", account: "0012345679", meter: "06543211" }
    }
  })

export const makeSandbox = (options: Partial<DataCustodian.DataCustodianOptions> = {}): DataCustodian.DataCustodian =>
  DataCustodian.makeDataCustodian({
    utility: UTILITY,
    utilityName: info.name,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    customers: dataset(),
    ...options
  })
