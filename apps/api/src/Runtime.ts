/**
 * What the HTTP layer needs from the outside world: the services every
 * handler runs against (Store, Collectors, Vault), built once, and the
 * configuration. `createApp` reads no environment; `main.node.ts` builds this.
 */
import { Cause, Effect, Exit, Option, Stream } from "effect"
import type { Context } from "effect"
import type { Collectors, Store, Vault } from "@meterbridge/core"
import { ApiError, badRequest, conflict, forbidden, internal, notFound } from "./shared/HttpError.ts"
import * as TokenCache from "./shared/TokenCache.ts"

export type Services = Store.Store | Collectors.Collectors | Vault.Vault

export interface ApiConfig {
  /** Signs confirmation codes and CSRF tokens (HMAC-SHA256); at least 32 random bytes. */
  readonly signingKey: Uint8Array
  /** Requests per second per token (the reference's 50). */
  readonly rateLimit: number
  /** The server's own origin, e.g. `http://127.0.0.1:3000`, for OAuth callbacks and links. */
  readonly publicBaseUrl: string
  /** Milliseconds since the epoch; tests move it. */
  readonly clock?: () => number
  /** Where operational messages go; `access_token` never reaches it. */
  readonly log?: (line: string) => void
}

export interface ApiRuntime {
  readonly context: Context.Context<Services>
  readonly config: ApiConfig
}

export interface Api {
  readonly config: ApiConfig
  readonly now: () => number
  readonly log: (line: string) => void
  /** Runs an effect; a typed failure is thrown as the `ApiError` it maps to. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<A>
  readonly readable: <A, E>(stream: Stream.Stream<A, E, Services>, signal?: AbortSignal) => ReadableStream<A>
  /** Tokens authenticated in the last second (see TokenCache.ts). */
  readonly tokens: TokenCache.TokenCache
}

export const make = (runtime: ApiRuntime): Api => {
  const log = runtime.config.log ?? ((line: string) => console.error(line))
  return {
    config: runtime.config,
    now: runtime.config.clock ?? Date.now,
    log,
    run: async (effect) => {
      const exit = await Effect.runPromiseExit(Effect.provideContext(effect, runtime.context))
      if (Exit.isSuccess(exit)) return exit.value
      throw toApiError(exit.cause, log)
    },
    readable: (stream, signal) =>
      Stream.toReadableStreamWith(stream, runtime.context, signal === undefined ? undefined : { signal }),
    tokens: TokenCache.make()
  }
}

interface Tagged {
  readonly _tag: string
  readonly message?: string
  readonly reason?: string
}

/** Maps the core's typed failures onto HTTP; anything unexpected is a 500 without details. */
export const toApiError = (cause: Cause.Cause<unknown>, log: (line: string) => void): ApiError => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) {
    const e = error.value
    if (e instanceof ApiError) return e
    const t = e as Tagged
    switch (t._tag) {
      case "NotFound":
        return notFound("object")
      case "UnknownUtility":
        return badRequest("unknown_utility", t.message ?? "Unknown utility", "utility")
      case "Conflict":
        return conflict(t.message ?? "Conflict")
      case "CollectorError":
        switch (t.reason) {
          case "InvalidAccess":
          case "Unsupported":
          case "InvalidCredentials":
            return badRequest(t.reason === "Unsupported" ? "unsupported" : "invalid_access", t.message ?? "Invalid access")
          case "RegistrationNotLive":
            return forbidden("registration_not_live", t.message ?? "Your registration with this utility is not live yet.")
          case "AuthorizationDenied":
            return forbidden("authorization_denied", t.message ?? "The customer declined the authorization.")
          case "AuthorizationPending":
            return new ApiError(409, "authorization_pending", t.message ?? "The customer has not approved access yet.")
          default:
            return new ApiError(502, "utility_error", t.message ?? "The utility could not be reached; try again later.")
        }
    }
    log(`[error] ${t._tag ?? "unknown"}: ${t.message ?? String(e)}`)
    return internal()
  }
  if (Cause.hasInterruptsOnly(cause)) return new ApiError(503, "interrupted", "The server is shutting down.")
  log(`[defect] ${Cause.pretty(cause)}`)
  return internal()
}
