/** What the route modules share, built once per app. */
import type { Api } from "./Api.ts"
import type { Signer } from "./ConfirmationCode.ts"
import type { Csrf } from "./Csrf.ts"
import type { RateLimiter } from "./middleware/rateLimit.ts"
import type { RequestCounter } from "./RequestCounter.ts"

export interface Deps {
  readonly api: Api
  readonly codes: Signer
  /** Wrong confirmation codes per token: more than 5 in 10 minutes answers 429. */
  readonly codeFailures: RateLimiter
  readonly csrf: Csrf
  readonly counter: RequestCounter
}
