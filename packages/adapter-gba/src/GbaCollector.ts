/**
 * Green Button Alliance sandbox Data Custodian Green Button Connect My Data as a Meterbridge Collector: the
 * shared Connect collector (`@meterbridge/greenbutton`) with this Data
 * Custodian's profile — its endpoints, scope and service ids.
 */
import type { Collector } from "@meterbridge/core"
import { ConnectCollector, Scope } from "@meterbridge/greenbutton"

export const UTILITY = "GBA"

/** The Data Custodian's OAuth and ESPI endpoints; a deployment may override them with `endpoints`. */
export const PRODUCTION_ENDPOINTS: ConnectCollector.Endpoints = {
  "authorizationUrl": "https://services.greenbuttondata.org/DataCustodian/oauth/authorize",
  "tokenUrl": "https://services.greenbuttondata.org/DataCustodian/oauth/token",
  "resourceBaseUrl": "https://services.greenbuttondata.org/DataCustodian/espi/1_1/resource"
}

export const DEFAULT_SCOPE = Scope.format({
  functionBlocks: Scope.RESIDENTIAL_FUNCTION_BLOCKS,
  intervalDurations: [900, 3600],
  blockDuration: ["daily"],
  historyLength: Scope.TWO_YEARS_SECONDS
})

export const info: Collector.CollectorInfo = {
  utility: UTILITY,
  name: "Green Button Alliance sandbox Data Custodian",
  allows: ["owner", "3rdparty"],
  login: "green_button_connect",
  options: ConnectCollector.accessOptions(UTILITY),
  timeZone: "America/New_York",
  capabilities: { bills: true, intervals: true },
  historyDays: 730
}

/** Services are named by their UsagePoint id. */
export const serviceId = (usagePoint: { readonly id: string }): string => usagePoint.id

export const profile = (overrides: { readonly scope?: string; readonly endpoints?: ConnectCollector.Endpoints } = {}): ConnectCollector.ConnectProfile => ({
  info,
  endpoints: overrides.endpoints ?? PRODUCTION_ENDPOINTS,
  scope: overrides.scope ?? DEFAULT_SCOPE,
  serviceId,
  source: "gba_green_button_connect"
})

export interface GbaOptions extends ConnectCollector.ConnectOptions {
  readonly scope?: string
  readonly endpoints?: ConnectCollector.Endpoints
}

export const make = (options: GbaOptions): Collector.Collector => ConnectCollector.makeConnectCollector(profile(options), options)
