/**
 * PG&E Share My Data (Green Button Connect My Data) as a Meterbridge Collector. PG&E requires mutual TLS (the client
 * certificate registered with PG&E) on every call except the customer's browser redirect, delivers data
 * asynchronously (a Notification BatchList when it is ready), and names services by their 10-digit SAID.
 */
import type { Collector } from "@meterbridge/core"
import { ConnectCollector, Scope } from "@meterbridge/greenbutton"

export const UTILITY = "PG&E"

/** PG&E's published Share My Data endpoints (OAuth at `datacustodian/oauth/v2`, ESPI under `GreenButtonConnect`). */
export const PRODUCTION_ENDPOINTS: ConnectCollector.Endpoints = {
  authorizationUrl: "https://api.pge.com/datacustodian/oauth/v2/authorize",
  tokenUrl: "https://api.pge.com/datacustodian/oauth/v2/token",
  resourceBaseUrl: "https://api.pge.com/GreenButtonConnect/espi/1_1/resource"
}

/** 15-minute and hourly interval data in daily blocks, with bills, two years back. Override with what PG&E registered. */
export const DEFAULT_SCOPE = Scope.format({
  functionBlocks: Scope.RESIDENTIAL_FUNCTION_BLOCKS,
  intervalDurations: [900, 3600],
  blockDuration: ["daily"],
  historyLength: Scope.TWO_YEARS_SECONDS
})

export const info: Collector.CollectorInfo = {
  utility: UTILITY,
  name: "Pacific Gas and Electric (PG&E)",
  allows: ["owner", "3rdparty"],
  login: "green_button_connect",
  options: ConnectCollector.accessOptions(UTILITY),
  timeZone: "America/Los_Angeles",
  capabilities: { bills: true, intervals: true },
  historyDays: 730
}

/** A SAID is ten digits; the UsagePoint id is the SAID in PG&E's feeds and in the sandbox. */
export const serviceId = (usagePoint: { readonly id: string }): string => usagePoint.id

export const profile = (overrides: { readonly scope?: string; readonly endpoints?: ConnectCollector.Endpoints } = {}): ConnectCollector.ConnectProfile => ({
  info,
  endpoints: overrides.endpoints ?? PRODUCTION_ENDPOINTS,
  scope: overrides.scope ?? DEFAULT_SCOPE,
  serviceId,
  source: "pge_share_my_data"
})

export interface PgeOptions extends ConnectCollector.ConnectOptions {
  readonly scope?: string
  readonly endpoints?: ConnectCollector.Endpoints
}

export class MissingClientCertificate extends Error {
  override readonly name = "MissingClientCertificate"
}

/**
 * The PG&E Collector. With `baseUrl` it talks to a sandbox (test mode); without it, to PG&E, which refuses any call
 * without the registered client certificate, so `tls` is then required.
 */
export const make = (options: PgeOptions): Collector.Collector => {
  if (options.baseUrl === undefined && options.tls === undefined) {
    throw new MissingClientCertificate(
      "PG&E requires mutual TLS on every API call: configure tls.cert and tls.key (the certificate registered with Share My Data)"
    )
  }
  return ConnectCollector.makeConnectCollector(profile(options), options)
}
