/** Loads an object only if the caller owns it; anyone else's is exactly as missing as a missing one. Every surface uses it. */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import { notFound } from "./HttpError.ts"

export const ownedBy = <A extends { readonly user_uid: string }>(
  kind: string,
  load: (store: Store.StoreShape, uid: string) => Effect.Effect<A | undefined, Store.StoreError>
) =>
(userUid: string, uid: string) =>
  Effect.gen(function*() {
    const found = yield* load(yield* Store.Store, uid)
    if (!found || found.user_uid !== userUid) return yield* Effect.fail(notFound(kind))
    return found
  })
