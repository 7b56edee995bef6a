/** What the v1 route modules share, built once per app. */
import type { Effect } from "effect"
import type { Errors } from "@meterbridge/core"
import type { Runtime, Services } from "../Runtime.ts"
import type { Shared } from "../shared/Shared.ts"
import type { HttpError } from "../shared/HttpError.ts"

/** The runtime with v1's way of running an effect: failures become v1 errors. */
export interface V1Api extends Runtime {
  readonly run: <A, E extends Errors.DomainError | HttpError>(effect: Effect.Effect<A, E, Services>) => Promise<A>
}

export interface Deps extends Omit<Shared, "runtime"> {
  readonly api: V1Api
}
