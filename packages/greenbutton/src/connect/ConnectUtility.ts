/**
 * A Green Button Connect utility from its facts alone: its ID and name, its
 * Data Custodian's endpoints, its time zone. What every Connect adapter
 * otherwise writes out again (the collector info, the FB scope, the profile,
 * `make`) comes from here, so an adapter holds only what is its own.
 */
import type { Collector } from "@meterbridge/core"
import { accessOptions, type ConnectOptions, type ConnectProfile, type Endpoints, makeConnectCollector } from "./ConnectCollector.ts"
import * as Scope from "./Scope.ts"

export interface ConnectUtilityFacts {
  readonly utility: string
  readonly name: string
  readonly endpoints: Endpoints
  /** IANA zone of the utility's meters. */
  readonly timeZone: string
  /** `source` written on every bill and interval. */
  readonly source: string
  /** The API's `utility_service_id` for a UsagePoint; default its id. */
  readonly serviceId?: (usagePoint: { readonly id: string }) => string
  /** The FB scope registered with the utility; default residential, 15- and 60-minute, daily blocks, two years. */
  readonly scope?: string
}

export interface ConnectUtilityOverrides extends ConnectOptions {
  readonly scope?: string
  readonly endpoints?: Endpoints
}

export interface ConnectUtility {
  readonly info: Collector.CollectorInfo
  readonly scope: string
  readonly serviceId: (usagePoint: { readonly id: string }) => string
  readonly profile: (overrides?: { readonly scope?: string; readonly endpoints?: Endpoints }) => ConnectProfile
  readonly make: (options: ConnectUtilityOverrides) => Collector.Collector
}

export const DEFAULT_SCOPE = Scope.format({
  functionBlocks: Scope.RESIDENTIAL_FUNCTION_BLOCKS,
  intervalDurations: [900, 3600],
  blockDuration: ["daily"],
  historyLength: Scope.TWO_YEARS_SECONDS
})

export const define = (facts: ConnectUtilityFacts): ConnectUtility => {
  const info: Collector.CollectorInfo = {
    utility: facts.utility,
    name: facts.name,
    allows: ["owner", "3rdparty"],
    login: "green_button_connect",
    options: accessOptions(facts.utility),
    timeZone: facts.timeZone,
    capabilities: { bills: true, intervals: true },
    historyDays: 730
  }
  const scope = facts.scope ?? DEFAULT_SCOPE
  const serviceId = facts.serviceId ?? ((usagePoint: { readonly id: string }) => usagePoint.id)
  const profile = (overrides: { readonly scope?: string; readonly endpoints?: Endpoints } = {}): ConnectProfile => ({
    info,
    endpoints: overrides.endpoints ?? facts.endpoints,
    scope: overrides.scope ?? scope,
    serviceId,
    source: facts.source
  })
  return { info, scope, serviceId, profile, make: (options) => makeConnectCollector(profile(options), options) }
}
