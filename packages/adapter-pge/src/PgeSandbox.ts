/**
 * A PG&E Share My Data sandbox: the Data Custodian with PG&E's shapes. Services are 10-digit SAIDs, and when a
 * notify URI is given PG&E's asynchronous delivery is played: a BatchList is POSTed as soon as the customer consents.
 * Serve it over HTTPS with `requestCert` to exercise mutual TLS (see the adapter's tests).
 */
import { DataCustodian, Dataset } from "@meterbridge/greenbutton/sandbox"
import { info, UTILITY } from "./PgeCollector.ts"

export const SANDBOX_CLIENT_ID = "meterbridge-pge-sandbox"
export const SANDBOX_CLIENT_SECRET = "pge-sandbox-secret"

/** The test customer `test`: a net-metered home and a small office, SAIDs 3000000001 and 3000000002. */
/** `range` moves the data in time (e.g. to end today, for a server in test mode); the default is fixed for tests. */
export const dataset = (range: { readonly from?: string; readonly days?: number } = {}): ReadonlyArray<Dataset.SandboxCustomer> =>
  Dataset.generate({
    ...range,
    seed: 11,
    ids: {
      nem: { usagePoint: "3000000001", account: "7700000001", meter: "1009876543" },
      commercial: { usagePoint: "3000000002", account: "7700000002", meter: "1009876544" }
    }
  })

export const makeSandbox = (options: Partial<DataCustodian.DataCustodianOptions> = {}): DataCustodian.DataCustodian =>
  DataCustodian.makeDataCustodian({
    utility: UTILITY,
    utilityName: info.name,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    customers: dataset(),
    notifyOnConsent: options.thirdPartyNotifyUri !== undefined,
    ...options
  })
