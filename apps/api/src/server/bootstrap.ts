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
    // Several API processes may start on one empty database at once: the one whose insert wins bootstraps.
    const created = yield* store.createUser(user).pipe(Effect.as(true), Effect.catchTag("Conflict", () => Effect.succeed(false)))
    if (!created) return undefined
    const token = options.token?.trim()
    const { secret } = yield* Tokens.create(user.uid, { now, ...(token ? { secret: token } : {}) })
    /** `generated`: the token is new and must be shown once; one given by the operator is never echoed. */
    return { user, secret, generated: !token }
  })
