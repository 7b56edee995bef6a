/** First run: on an empty database, a first user and an API token (`METERBRIDGE_BOOTSTRAP_TOKEN` verbatim when set). */
import { Effect } from "effect"
import { Ids, Store, Timestamp } from "@meterbridge/core"
import * as Tokens from "../shared/Tokens.ts"

export const bootstrap = (options: { readonly email: string; readonly token?: string | undefined; readonly nowMs: number }) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    if ((yield* store.countUsers) > 0) return undefined
    const now = Timestamp.fromMillis(options.nowMs)
    const user: Store.UserRecord = { uid: Ids.newUid(), email: options.email, password_hash: null, created: now }
    yield* store.createUser(user)
    const token = options.token?.trim()
    const { secret } = yield* Tokens.create(user.uid, { now, ...(token ? { secret: token } : {}) })
    return { user, secret }
  })
