/** What the v2 route modules share, built once per app. */
import type { Effect } from "effect"
import type { Context } from "hono"
import type { Errors } from "@meterbridge/core"
import type { Runtime, Services } from "../Runtime.ts"
import type { AuthEnv } from "../shared/auth.ts"
import type { HttpError } from "../shared/HttpError.ts"
import type { Shared } from "../shared/Shared.ts"
import type * as Encode from "./encode.ts"

export type V2Env = AuthEnv

export interface Deps {
  readonly shared: Shared
  readonly runtime: Runtime
  /** Runs an effect; failures become v2 errors. */
  readonly run: <A, E extends Errors.DomainError | HttpError>(effect: Effect.Effect<A, E, Services>) => Promise<A>
  /** What the encoders need about the caller and the server. */
  readonly context: (c: Context<V2Env>) => Promise<Encode.Context>
}
