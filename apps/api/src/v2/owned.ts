/** v2's ownership checks (see `shared/owned.ts`): anyone else's object is exactly as missing as a missing one. */
import type { Effect } from "effect"
import type { Store } from "@meterbridge/core"
import { ownedBy } from "../shared/owned.ts"
import type { Deps } from "./Deps.ts"

const owned = <A extends { readonly user_uid: string }>(kind: string, load: (store: Store.StoreShape, uid: string) => Effect.Effect<A | undefined, Store.StoreError>) => {
  const check = ownedBy(kind, load)
  return (deps: Deps, userUid: string, uid: string): Promise<A> => deps.run(check(userUid, uid))
}

export const authorization = owned("authorization", (s, uid) => s.getAccount(uid))
export const meter = owned("meter", (s, uid) => s.getService(uid))
export const form = owned("form", (s, uid) => s.getForm(uid))
export const template = owned("template", (s, uid) => s.getTemplate(uid))
