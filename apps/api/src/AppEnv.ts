import type { Store } from "@meterbridge/core"
import type { Format } from "./middleware/format.ts"

/** What middleware hands to handlers. */
export interface AppEnv {
  Variables: {
    format: Format
    user: Store.UserRecord
    token: Store.TokenRecord
  }
}
