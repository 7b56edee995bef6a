/**
 * Southern California Edison Green Button Connect My Data as a Meterbridge Collector. SCE's data custodian is an
 * OpenESPI deployment ("Energy Data Share"); its interval files repeat the next day's first reading at the end of
 * each daily IntervalBlock, which the shared collector drops (one reading per flow and start).
 */
import type { Collector } from "@meterbridge/core"
import { ConnectCollector, Scope } from "@meterbridge/greenbutton"

export const UTILITY = "SCE"

/**
 * SCE's ESPI resource base as its Green Button clients use it; the OAuth paths follow the OpenESPI Data Custodian
 * routes under the same host. Confirm them against SCE's registration material and override with `endpoints`.
 */
export const PRODUCTION_ENDPOINTS: ConnectCollector.Endpoints = {
  authorizationUrl: "https://energydatashare.sce.com/DataCustodian/oauth/authorize",
  tokenUrl: "https://energydatashare.sce.com/DataCustodian/oauth/token",
  resourceBaseUrl: "https://energydatashare.sce.com/DataCustodian/espi/1_1/resource"
}

export const DEFAULT_SCOPE = Scope.format({
  functionBlocks: Scope.RESIDENTIAL_FUNCTION_BLOCKS,
  intervalDurations: [900, 3600],
  blockDuration: ["daily"],
  historyLength: Scope.TWO_YEARS_SECONDS
})

export const info: Collector.CollectorInfo = {
  utility: UTILITY,
  name: "Southern California Edison (SCE)",
  allows: ["owner", "3rdparty"],
  login: "green_button_connect",
  options: ConnectCollector.accessOptions(UTILITY),
  timeZone: "America/Los_Angeles",
  capabilities: { bills: true, intervals: true },
  historyDays: 730
}

/** SCE service account numbers (`3-049-1234-56`) are the UsagePoint ids. */
export const serviceId = (usagePoint: { readonly id: string }): string => usagePoint.id

export const profile = (overrides: { readonly scope?: string; readonly endpoints?: ConnectCollector.Endpoints } = {}): ConnectCollector.ConnectProfile => ({
  info,
  endpoints: overrides.endpoints ?? PRODUCTION_ENDPOINTS,
  scope: overrides.scope ?? DEFAULT_SCOPE,
  serviceId,
  source: "sce_green_button_connect"
})

export interface SceOptions extends ConnectCollector.ConnectOptions {
  readonly scope?: string
  readonly endpoints?: ConnectCollector.Endpoints
}

export const make = (options: SceOptions): Collector.Collector => ConnectCollector.makeConnectCollector(profile(options), options)
