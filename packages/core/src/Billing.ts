/**
 * Prepaid billing, off unless the operator turns it on: each user has a ledger (credits from the operator,
 * a debit per collection of a meter), and a billable command on a balance at or below zero fails with
 * `PaymentRequired` before it enqueues anything. Test authorizations (and DEMO, by default) collect free:
 * their collections are written to the ledger at $0, so a user sees every collection, and the balance
 * gate still applies to them (a prepaid account at zero asks for credit before anything runs).
 */
import { Context, Effect, Schema } from "effect"
import { Store, type AccountRecord, type StoreShape } from "./Store.ts"
import type { Micros } from "./Timestamp.ts"

export interface BillingSettings {
  readonly mode: "off" | "prepaid"
  /** The price of one collection of a meter, integer micro-dollars. */
  readonly pricePerCollection: number
  /** What collects for free: test authorizations and/or these utilities (default: both, DEMO). */
  readonly freeTest: boolean
  readonly freeUtilities: ReadonlyArray<string>
}

export const defaults: BillingSettings = { mode: "off", pricePerCollection: 0, freeTest: true, freeUtilities: ["DEMO"] }

/** A Reference: billing is off wherever the runtime does not provide settings. */
export const Billing = Context.Reference<BillingSettings>("@meterbridge/core/Billing", { defaultValue: () => defaults })

export class PaymentRequired extends Schema.TaggedError<PaymentRequired>()("PaymentRequired", {
  /** The balance, micro-dollars. */
  balance: Schema.Number,
  message: Schema.String
}) {}

export const MICROS_PER_DOLLAR = 1_000_000

/** `"12.5"` → 12_500_000 micro-dollars; undefined unless a plain decimal with at most 6 places. */
export const parseDollars = (text: string): number | undefined => {
  const m = /^(-?)(\d{1,9})(?:\.(\d{1,6}))?$/.exec(text.trim())
  if (!m) return undefined
  const micros = Number(m[2]) * MICROS_PER_DOLLAR + Number((m[3] ?? "").padEnd(6, "0"))
  return m[1] === "-" ? -micros : micros
}

/** Micro-dollars as dollars, for display and JSON (`12.5`). */
export const toDollars = (micros: number): number => micros / MICROS_PER_DOLLAR

export const isFree = (settings: BillingSettings, account: Pick<AccountRecord, "is_test" | "utility">) =>
  (settings.freeTest && account.is_test) || settings.freeUtilities.includes(account.utility)

/** Fails with PaymentRequired when billing is prepaid, `accounts` would collect, and the user's balance is at or below zero. */
export const requireBalance = (userUid: string, accounts: ReadonlyArray<Pick<AccountRecord, "is_test" | "utility">>) =>
  Effect.gen(function*() {
    const settings = yield* Billing
    if (settings.mode !== "prepaid" || accounts.length === 0) return
    const store = yield* Store
    const balance = yield* store.balance(userUid)
    if (balance <= 0) {
      return yield* new PaymentRequired({
        balance,
        message: `Your prepaid balance is $${toDollars(balance).toFixed(2)}: add credit before collecting data (nothing was queued).`
      })
    }
  })

/**
 * Debits one collection of a meter, once per `ref` (the job), so a collection retried or cut off by a crash and
 * run again is charged once. Run it in the unit of work that records the collection as finished.
 */
export const chargeCollection = (
  tx: StoreShape,
  account: Pick<AccountRecord, "user_uid" | "is_test" | "utility">,
  meterUid: string,
  ref: string,
  ts: Micros
) =>
  Effect.gen(function*() {
    const settings = yield* Billing
    if (settings.mode !== "prepaid") return false
    const free = isFree(settings, account)
    return yield* tx.addLedgerEntry({
      user_uid: account.user_uid,
      ts,
      amount: free ? 0 : -settings.pricePerCollection,
      description: free ? `Collection of meter ${meterUid} (free: ${account.is_test ? "test" : account.utility})` : `Collection of meter ${meterUid}`,
      ref
    })
  })
