/**
 * An SCE sandbox: the Data Custodian with SCE's shapes: service account numbers as UsagePoint ids, and every daily
 * IntervalBlock carrying one reading past its end (the next day's first), as SCE's own files do.
 */
import { DataCustodian, Dataset } from "@meterbridge/greenbutton/sandbox"
import { info, UTILITY } from "./SceCollector.ts"

export const SANDBOX_CLIENT_ID = "meterbridge-sce-sandbox"
export const SANDBOX_CLIENT_SECRET = "sce-sandbox-secret"

/** `range` moves the data in time (e.g. to end today, for a server in test mode); the default is fixed for tests. */
export const dataset = (range: { readonly from?: string; readonly days?: number } = {}): ReadonlyArray<Dataset.SandboxCustomer> =>
  Dataset.generate({
    ...range,
    seed: 22,
    ids: {
      nem: { usagePoint: "3-049-1234-56", account: "2-30-456-7890", meter: "V349N-001122" },
      commercial: { usagePoint: "3-049-7788-01", account: "2-30-456-7891", meter: "V349N-001123" }
    }
  })

export const makeSandbox = (options: Partial<DataCustodian.DataCustodianOptions> = {}): DataCustodian.DataCustodian =>
  DataCustodian.makeDataCustodian({
    utility: UTILITY,
    utilityName: info.name,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    customers: dataset(),
    quirks: { readingAtBlockEnd: true },
    ...options
  })
