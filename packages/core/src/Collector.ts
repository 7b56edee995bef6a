/**
 * The Collector contract: what one utility adapter implements. An adapter
 * speaks its utility's protocol and returns data; it never touches storage.
 * The collection state machine (`Collection.ts`) stores what it returns.
 */
import type { Effect, Stream } from "effect"
import type { AuthType } from "./Account.ts"
import type { BillBreakdown } from "./Bill.ts"
import type { CollectorError } from "./CollectorError.ts"
import type { Flow, Quality } from "./Interval.ts"
import type { ServiceDetails } from "./Service.ts"
import type { TestScenario } from "./TestScenario.ts"
import type { Micros } from "./Timestamp.ts"

/** One field of an access method, as `GET /accounts/add` lists it. */
export interface AccessField {
  readonly name: string
  readonly type: "text" | "password" | "email"
  readonly help: string
}

/** The declarative description of a utility. */
export interface CollectorInfo {
  /** The utility ID used in the API: "DEMO", "PG&E", "SCE", "SDG&E", "SMT". */
  readonly utility: string
  /** Display name, e.g. "Pacific Gas and Electric (PG&E)". */
  readonly name: string
  readonly allows: ReadonlyArray<AuthType>
  /** The Account's `login` value: "credentials", "green_button_connect", "smt_agreement" … */
  readonly login: string
  /** Alternative sets of access fields; the customer fills one set. */
  readonly options: ReadonlyArray<ReadonlyArray<AccessField>>
  /** IANA zone of the utility's local time, for DST-correct days. */
  readonly timeZone: string
  readonly capabilities: { readonly bills: boolean; readonly intervals: boolean }
  /** How far back the first collection reaches. */
  readonly historyDays: number
  /**
   * The utility makes third parties register first (SMT): until a user's
   * registration is `live`, only its test accounts can be authorized.
   */
  readonly requiresRegistration?: boolean
}

/** The access fields a customer submitted, by field name. */
export type Access = Readonly<Record<string, string>>

/**
 * What an adapter needs to keep between calls (credentials, OAuth tokens,
 * agreement ids). JSON only; the core stores it encrypted.
 */
export type Grant = { readonly [key: string]: unknown }

export interface AuthorizeContext {
  readonly accountUid: string
  /** Where a redirect-based flow (OAuth) sends the customer back to. */
  readonly callbackUrl: string
  /** The user's third-party registration with this utility. */
  readonly registration: "pending" | "live"
}

export type Authorization =
  | {
    readonly _tag: "Authorized"
    readonly grant: Grant
    /** When the customer's authorization lapses, if the utility says. */
    readonly expires?: Micros
  }
  | {
    readonly _tag: "AwaitingCustomer"
    readonly grant: Grant
    /** A unique handle the utility echoes back (OAuth `state`, agreement id), to find the account again. */
    readonly reference: string
    /** What the customer has to do, shown as the account's pending message. */
    readonly message: string
    /** Where the customer has to go, if anywhere. */
    readonly url?: string
  }

export interface DateWindow {
  readonly start: Micros
  readonly end: Micros
}

export interface CollectedBill {
  readonly utility_service_id: string | null
  readonly utility_tariff_name: string | null
  readonly utility_service_address: string | null
  readonly utility_meter_number: string | null
  readonly bill_start_date: Micros
  readonly bill_end_date: Micros
  readonly bill_statement_date: Micros | null
  readonly bill_total_kWh: number | null
  readonly bill_total: number | null
  readonly bill_breakdown: BillBreakdown | null
  readonly source: string | null
}

export interface CollectedInterval {
  readonly interval_start: Micros
  readonly interval_end: Micros
  readonly interval_kWh: number | null
  /** Measured demand when the utility reports it; otherwise the API derives kWh / hours. */
  readonly interval_kW?: number | null
  readonly flow: Flow
  readonly quality: Quality
  readonly utility_service_id: string | null
  readonly utility_tariff_name: string | null
  readonly utility_service_address: string | null
  readonly utility_meter_number: string | null
  readonly source: string | null
}

/** What an adapter implements: the utility's protocol, nothing else. */
export interface Collector {
  readonly info: CollectorInfo
  /**
   * Validates access with the utility. Credentials-based utilities answer
   * `Authorized` or fail with `InvalidCredentials`; consent-based ones
   * (Green Button Connect, SMT agreements) answer `AwaitingCustomer`.
   */
  readonly authorize: (access: Access, context: AuthorizeContext) => Effect.Effect<Authorization, CollectorError>
  /**
   * Moves an `AwaitingCustomer` authorization on: with the redirect's query
   * parameters (OAuth callback), or with none to poll (SMT agreement status).
   * Fails with `AuthorizationPending` while the customer has not acted.
   */
  readonly resumeAuthorization?: (
    grant: Grant,
    callback: Readonly<Record<string, string>> | undefined
  ) => Effect.Effect<Authorization, CollectorError>
  /**
   * The access fields that make this utility's sandbox play a test scenario
   * with no customer interaction (test-submit). Adapters without it are
   * test-submitted through DEMO's sandbox, under their own utility id.
   */
  readonly testAccess?: (scenario: TestScenario) => Access
  /** Refreshes short-lived secrets in a grant (OAuth refresh) before a collection. */
  readonly refreshGrant?: (grant: Grant) => Effect.Effect<Grant, CollectorError>
  readonly listServices: (grant: Grant) => Effect.Effect<ReadonlyArray<ServiceDetails>, CollectorError>
  /** Bills that overlap the window, in any order; re-collecting yields the same bills. */
  readonly collectBills: (
    grant: Grant,
    service: ServiceDetails,
    window: DateWindow
  ) => Stream.Stream<CollectedBill, CollectorError>
  /** Intervals starting inside the window, streamed so a decade of data never sits in memory. */
  readonly collectIntervals: (
    grant: Grant,
    service: ServiceDetails,
    window: DateWindow
  ) => Stream.Stream<CollectedInterval, CollectorError>
}

/** Identity helper that checks an adapter against the contract at its definition. */
export const make = <C extends Collector>(collector: C): C => collector
