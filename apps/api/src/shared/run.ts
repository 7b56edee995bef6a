/** Running an effect from shared middleware, where no surface's domain mapping applies: any failure is a 500 (logged). */
import type { Effect } from "effect"
import type { Runtime, Services } from "../Runtime.ts"
import { HttpError, internal } from "./HttpError.ts"

export const run = <A, E>(runtime: Runtime, effect: Effect.Effect<A, E, Services>): Promise<A> =>
  runtime.runWith(effect, (failure) => {
    if (failure._tag === "Fail" && failure.error instanceof HttpError) return failure.error
    if (failure._tag === "Fail") runtime.log(`[error] ${String((failure.error as { message?: unknown }).message ?? failure.error)}`)
    return internal()
  })
