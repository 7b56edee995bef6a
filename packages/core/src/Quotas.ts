/**
 * Per-user quotas, so one user cannot exhaust a shared server: how many
 * authorizations (accounts) a user may hold. The running-collections quota is
 * the worker's (`WorkerOptions.maxRunningPerUser`), enforced by the Store's
 * fair `claimJob`. Defaults apply unless the runtime provides its own.
 */
import { Context, Schema } from "effect"

export interface QuotasShape {
  /** Authorizations (accounts) per user that are not revoked. */
  readonly maxAuthorizationsPerUser: number
}

export const DEFAULTS: QuotasShape = { maxAuthorizationsPerUser: 1000 }

export const Quotas = Context.Reference<QuotasShape>("@meterbridge/core/Quotas", { defaultValue: () => DEFAULTS })

/** A user reached a quota; nothing was created. */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()("QuotaExceeded", {
  message: Schema.String
}) {}
