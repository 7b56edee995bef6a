import type { AuthEnv } from "../shared/auth.ts"
import type { Format } from "./format.ts"

/** What v1's middleware hands to its handlers: the caller (see `authenticate`) and the response format. */
export interface AppEnv {
  Variables: AuthEnv["Variables"] & {
    format: Format
  }
}
