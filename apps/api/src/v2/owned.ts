/** Loads an object only if the caller owns it; anyone else's is exactly as missing as a missing one. */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import type { Deps } from "./Deps.ts"
import { notFound } from "./errors.ts"

const owned = <A extends { readonly user_uid: string }>(kind: string, load: (store: Store.StoreShape, uid: string) => Effect.Effect<A | undefined, Store.StoreError>) =>
  (deps: Deps, userUid: string, uid: string): Promise<A> =>
    deps.run(Effect.gen(function*() {
      const store = yield* Store.Store
      const found = yield* load(store, uid)
      if (!found || found.user_uid !== userUid) return yield* Effect.fail(notFound(kind))
      return found
    }))

export const authorization = owned("authorization", (s, uid) => s.getAccount(uid))
export const meter = owned("meter", (s, uid) => s.getService(uid))
export const form = owned("form", (s, uid) => s.getForm(uid))
export const template = owned("template", (s, uid) => s.getTemplate(uid))
