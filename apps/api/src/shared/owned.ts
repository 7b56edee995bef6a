/** Loads an object only if the caller owns it; anyone else's is exactly as missing as a missing one. Every surface uses it. */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import { notFound } from "./HttpError.ts"

export const ownedBy = <A extends { readonly user_uid: string }>(
  kind: string,
  load: (store: Store.StoreShape, uid: string) => Effect.Effect<A | undefined, Store.StoreError>
) =>
(userUid: string, uid: string) =>
  // A plain chain, not a generator: every request for an object runs this.
  Store.Store.use((store) => load(store, uid)).pipe(
    Effect.flatMap((found) => (!found || found.user_uid !== userUid ? Effect.fail(notFound(kind)) : Effect.succeed(found)))
  )
