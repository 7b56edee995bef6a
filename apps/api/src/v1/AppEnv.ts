import type { Store } from "@meterbridge/core"
import type { Format } from "./format.ts"

/** What middleware hands to handlers. */
export interface AppEnv {
  Variables: {
    format: Format
    /** The caller: the owner of the presented token. */
    userUid: string
    token: Store.TokenRecord
  }
}
