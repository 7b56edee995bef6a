/**
 * What every surface needs from the outside world: the services handlers run
 * against (Store, Collectors, Vault), built once, the configuration, and the
 * runtime's own capabilities (password hashing). `createApp` reads no
 * environment and imports nothing runtime-specific: each runtime's entrypoint
 * builds this.
 */
import { Cause, Effect, Exit, Option, Stream } from "effect"
import type { Context } from "effect"
import type { Collectors, Store, Vault } from "@meterbridge/core"
import * as Assets from "./shared/Assets.ts"
import type { PasswordHasher } from "./shared/Passwords.ts"
import * as TokenCache from "./shared/TokenCache.ts"
import * as TokenSecret from "./shared/TokenSecret.ts"
import type { FileUploads } from "./shared/Uploads.ts"

export type Services = Store.Store | Collectors.Collectors | Vault.Vault

export interface ApiConfig {
  /** Signs confirmation codes and CSRF tokens (HMAC-SHA256); at least 32 random bytes. */
  readonly signingKey: Uint8Array
  /** Requests per second per token (the reference's 50). */
  readonly rateLimit: number
  /** Requests per second per client address without a valid token (anonymous ones, failed authentications); default 20. */
  readonly anonymousRateLimit?: number
  /** Sign-up attempts per 10 minutes per client address; default 30. */
  readonly signupRateLimit?: number
  /** The server's own origin, e.g. `http://127.0.0.1:3000`, for OAuth callbacks and links. */
  readonly publicBaseUrl: string
  /** Milliseconds since the epoch; tests move it. */
  readonly clock?: () => number
  /** Where operational messages go; `access_token` never reaches it. */
  readonly log?: (line: string) => void
  /** Emails of the users who see the operator pages; when left out, the first user created is the operator. */
  readonly operators?: ReadonlyArray<string>
}

export interface ApiRuntime {
  readonly context: Context.Context<Services>
  readonly config: ApiConfig
  /** The runtime's password hash (scrypt on Node; see each entrypoint). */
  readonly passwords: PasswordHasher
  /** Receiving customer files (Green Button upload); without it, the upload endpoints answer 501. */
  readonly uploads?: FileUploads
  /** The pages' static files (chart library, API reference); none when left out. */
  readonly assets?: Assets.Assets
  /**
   * SHA-256 hex of a token secret, synchronously (see `TokenSecret.hashSync`, the default). Every authenticated
   * request computes one, so a runtime with a native hash hands it in (Node does).
   */
  readonly tokenHash?: (secret: string) => string
}

/** A failed effect: its typed failure, or a defect / interruption the surface reports as a 5xx. */
export type Failure<E> = { readonly _tag: "Fail"; readonly error: E } | { readonly _tag: "Defect"; readonly interrupted: boolean }

export interface Runtime {
  readonly config: ApiConfig
  readonly passwords: PasswordHasher
  readonly uploads: FileUploads | undefined
  readonly assets: Assets.Assets
  readonly now: () => number
  readonly log: (line: string) => void
  /** Runs an effect; a failure is thrown as whatever `toError` (the surface's mapping) makes of it. */
  readonly runWith: <A, E>(effect: Effect.Effect<A, E, Services>, toError: (failure: Failure<E>) => Error) => Promise<A>
  readonly readable: <A, E>(stream: Stream.Stream<A, E, Services>, signal?: AbortSignal) => ReadableStream<A>
  /** Tokens authenticated in the last second (see TokenCache.ts). */
  readonly tokens: TokenCache.TokenCache
  /** SHA-256 hex of a token secret: what the Store looks tokens up by. */
  readonly tokenHash: (secret: string) => string
}

export const make = (runtime: ApiRuntime): Runtime => {
  const log = runtime.config.log ?? ((line: string) => console.error(line))
  // Bound to the context once: every request runs at least one effect.
  const runPromiseExit = Effect.runPromiseExitWith(runtime.context)
  return {
    config: runtime.config,
    passwords: runtime.passwords,
    uploads: runtime.uploads,
    assets: runtime.assets ?? Assets.none,
    now: runtime.config.clock ?? Date.now,
    log,
    runWith: async (effect, toError) => {
      const exit = await runPromiseExit(effect)
      if (Exit.isSuccess(exit)) return exit.value
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error)) throw toError({ _tag: "Fail", error: error.value })
      const interrupted = Cause.hasInterruptsOnly(exit.cause)
      if (!interrupted) log(`[defect] ${Cause.pretty(exit.cause)}`)
      throw toError({ _tag: "Defect", interrupted })
    },
    readable: (stream, signal) =>
      Stream.toReadableStreamWith(stream, runtime.context, signal === undefined ? undefined : { signal }),
    tokens: TokenCache.make(),
    tokenHash: runtime.tokenHash ?? TokenSecret.hashSync
  }
}
