/** Creating API tokens: shared by `POST /tokens/new` (browser sessions), the CLI and the first-run bootstrap. */
import { Effect } from "effect"
import { Store, Timestamp } from "@meterbridge/core"
import type { Token } from "@meterbridge/core"
import * as TokenSecret from "./TokenSecret.ts"

/** Stores a token for `userUid` and returns its record and the secret (shown this once). */
export const create = (
  userUid: string,
  options: { readonly type?: Token.TokenType; readonly expires?: Timestamp.Micros | null; readonly secret?: string; readonly now: Timestamp.Micros }
) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const secret = options.secret ?? TokenSecret.generate()
    const secret_hash = yield* Effect.promise(() => TokenSecret.hash(secret))
    const record: Store.TokenRecord = {
      uid: TokenSecret.newTokenUid(),
      user_uid: userUid,
      type: options.type ?? "api",
      secret_hash,
      created: options.now,
      expires: options.expires ?? null,
      request_count: 0,
      signup_count: 0
    }
    yield* store.createToken(record)
    return { record, secret }
  })
