/**
 * San Diego Gas & Electric Green Button Connect My Data as a Meterbridge Collector. SDG&E names a service
 * `{account}-{meter}` (the UtilityAPI convention): the UsagePoint's ServiceDeliveryPoint carries the account
 * (`customerAgreement`) and the meter (`name`), and the UsagePoint id itself is opaque.
 */
import type { Collector } from "@meterbridge/core"
import { ConnectCollector, Scope, type UsagePoints } from "@meterbridge/greenbutton"

export const UTILITY = "SDG&E"

export const DEFAULT_SCOPE = Scope.format({
  functionBlocks: Scope.RESIDENTIAL_FUNCTION_BLOCKS,
  intervalDurations: [900, 3600],
  blockDuration: ["daily"],
  historyLength: Scope.TWO_YEARS_SECONDS
})

export const info: Collector.CollectorInfo = {
  utility: UTILITY,
  name: "San Diego Gas & Electric (SDG&E)",
  allows: ["owner", "3rdparty"],
  login: "green_button_connect",
  options: ConnectCollector.accessOptions(UTILITY),
  timeZone: "America/Los_Angeles",
  capabilities: { bills: true, intervals: true },
  historyDays: 730
}

/** `{account}-{meter}`; the UsagePoint id when the feed names neither. */
export const serviceId = (usagePoint: UsagePoints.UsagePointInfo): string => {
  const account = usagePoint.deliveryPoint.customerAgreement
  const meter = usagePoint.deliveryPoint.name
  return account && meter ? `${account}-${meter}` : account ?? usagePoint.id
}

/** SDG&E's Green Button Connect endpoints are issued with the developer application and not published. */
export const profile = (overrides: { readonly scope?: string; readonly endpoints: ConnectCollector.Endpoints }): ConnectCollector.ConnectProfile => ({
  info,
  endpoints: overrides.endpoints,
  scope: overrides.scope ?? DEFAULT_SCOPE,
  serviceId,
  source: "sdge_green_button_connect"
})

export interface SdgeOptions extends ConnectCollector.ConnectOptions {
  readonly scope?: string
  /** Required in production: the endpoints SDG&E gives a registered third party. */
  readonly endpoints?: ConnectCollector.Endpoints
}

export class MissingEndpoints extends Error {
  override readonly name = "MissingEndpoints"
}

export const make = (options: SdgeOptions): Collector.Collector => {
  const endpoints = options.endpoints ?? (options.baseUrl === undefined ? undefined : ConnectCollector.sandboxEndpoints(options.baseUrl))
  if (endpoints === undefined) {
    throw new MissingEndpoints(
      "SDG&E does not publish its Green Button Connect endpoints: configure endpoints (authorizationUrl, tokenUrl, resourceBaseUrl) from your SDG&E registration"
    )
  }
  return ConnectCollector.makeConnectCollector(profile({ endpoints, ...(options.scope === undefined ? {} : { scope: options.scope }) }), options)
}
