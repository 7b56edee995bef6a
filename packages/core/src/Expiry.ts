/**
 * Authorizations whose `expires` has passed: each is marked once ("Authorization expired", shown as its status
 * message) with an `authorization_expired` event, in one unit of work, by the worker's scheduler pass.
 * Their meters already stopped collecting: a service's `active_until` never passes its account's expiry.
 */
import { Effect } from "effect"
import { now } from "./Collection.ts"
import * as Events from "./Events.ts"
import { atomically, Store } from "./Store.ts"

export const EXPIRED_MESSAGE = "Authorization expired"

/** Marks every newly expired authorization; returns how many. Scans users' accounts (a scheduler pass, not a request). */
export const markExpired = Effect.gen(function*() {
  const store = yield* Store
  const t = yield* now
  let marked = 0
  for (const user of yield* store.listUsers) {
    for (const a of yield* store.listAccounts(user.uid)) {
      const expired = a.auth_expires !== null && a.auth_expires <= t && a.revoked === null && a.declined === null
      if (!expired || a.latest?.message === EXPIRED_MESSAGE) continue
      yield* atomically((tx) =>
        tx.updateAccount(a.uid, { latest: { type: "updated", message: EXPIRED_MESSAGE, timestamp: t } }).pipe(
          Effect.andThen(Events.recordOne(Events.forAccount("authorization_expired", a, t)))
        ))
      marked++
    }
  }
  return marked
})
