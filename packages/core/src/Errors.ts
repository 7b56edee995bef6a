/**
 * Every typed failure a core command can end in. Each API surface maps this
 * union to its own error format with an exhaustive switch, so a new failure
 * here is a compile error there rather than a 500.
 */
import type { PaymentRequired } from "./Billing.ts"
import type { NotFound, UnknownUtility } from "./Collection.ts"
import type { CollectorError } from "./CollectorError.ts"
import type { Conflict, StoreError } from "./Store.ts"
import type { QuotaExceeded } from "./Quotas.ts"
import type { VaultError } from "./Vault.ts"
import type { InvalidInput } from "./InvalidInput.ts"
import type { ExpiredOrRevoked, NotDeletable } from "./Workflow.ts"

export type DomainError =
  | StoreError
  | Conflict
  | VaultError
  | NotFound
  | UnknownUtility
  | CollectorError
  | InvalidInput
  | NotDeletable
  | ExpiredOrRevoked
  | QuotaExceeded
  | PaymentRequired

/** For the `default` branch of an exhaustive switch over `DomainError["_tag"]`. */
export const absurd = (value: never): never => {
  throw new Error(`Unhandled failure ${JSON.stringify(value)}`)
}
