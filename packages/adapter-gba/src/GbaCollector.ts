/**
 * Green Button Alliance sandbox Data Custodian: Green Button Connect My Data as a Meterbridge
 * Collector — the shared Connect collector (`@meterbridge/greenbutton`) with
 * this Data Custodian's facts. Its quirks, once known, go here and in the sandbox.
 */
import type { Collector } from "@meterbridge/core"
import { type ConnectCollector, ConnectUtility } from "@meterbridge/greenbutton"

export const UTILITY = "GBA"

/** The Data Custodian's OAuth and ESPI endpoints; a deployment may override them with `endpoints`. */
export const PRODUCTION_ENDPOINTS = {
  authorizationUrl: "https://services.greenbuttondata.org/DataCustodian/oauth/authorize",
  tokenUrl: "https://services.greenbuttondata.org/DataCustodian/oauth/token",
  resourceBaseUrl: "https://services.greenbuttondata.org/DataCustodian/espi/1_1/resource"
}

const utility = ConnectUtility.define({
  utility: UTILITY,
  name: "Green Button Alliance sandbox Data Custodian",
  endpoints: PRODUCTION_ENDPOINTS,
  timeZone: "America/New_York",
  source: "gba_green_button_connect"
})

export const info: Collector.CollectorInfo = utility.info
/** Services are named by their UsagePoint id. */
export const serviceId: (usagePoint: { readonly id: string }) => string = utility.serviceId
export const profile: (overrides?: { readonly scope?: string; readonly endpoints?: ConnectCollector.Endpoints }) => ConnectCollector.ConnectProfile = utility.profile
export const make: (options: ConnectUtility.ConnectUtilityOverrides) => Collector.Collector = utility.make
