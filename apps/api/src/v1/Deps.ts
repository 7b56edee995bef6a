/** What the route modules share, built once per app. */
import type { Api } from "../Runtime.ts"
import type { Signer } from "../shared/ConfirmationCode.ts"
import type { Csrf } from "../shared/Csrf.ts"
import type { RateLimiter } from "../shared/rateLimit.ts"
import type { RequestCounter } from "../shared/RequestCounter.ts"

export interface Deps {
  readonly api: Api
  readonly codes: Signer
  /** Wrong confirmation codes per token: more than 5 in 10 minutes answers 429. */
  readonly codeFailures: RateLimiter
  readonly csrf: Csrf
  readonly counter: RequestCounter
}
