/**
 * THE list of utilities this server serves: one line per adapter package.
 * Each adapter owns its settings (an Effect `Config` in its `registration`);
 * the runtime hands in a `ConfigProvider` over its environment variables or
 * bindings. A utility with no settings runs in test mode against its sandbox,
 * mounted in-process under `/sandbox/<slug>`.
 */
import { Cause, ConfigProvider, Effect, Exit, Option } from "effect"
import { Registration } from "@meterbridge/core"
import { registration as demo } from "@meterbridge/adapter-demo/registration"
import { registration as pge } from "@meterbridge/adapter-pge/registration"
import { registration as sce } from "@meterbridge/adapter-sce/registration"
import { registration as sdge } from "@meterbridge/adapter-sdge/registration"
import { registration as smt } from "@meterbridge/adapter-smt/registration"
import { registration as gba } from "@meterbridge/adapter-gba/registration"

export const adapters: ReadonlyArray<Registration.Registration> = [demo, pge, sce, sdge, smt, gba]

export type Registered = Registration.Built

export interface BuildOptions {
  /** This server's origin; sandboxes are reachable under `<publicBaseUrl>/sandbox/<slug>`. */
  readonly publicBaseUrl: string
  /** Where the adapters' settings come from: environment variables, Workers bindings. */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly nowMs?: number
}

/** Every adapter, built; a half-configured utility throws an Error naming what is missing. */
export const build = (options: BuildOptions, list: ReadonlyArray<Registration.Registration> = adapters): ReadonlyArray<Registered> => {
  const provider = ConfigProvider.fromEnvRecord({ ...options.env })
  const host = { publicBaseUrl: options.publicBaseUrl, nowMs: options.nowMs ?? Date.now() }
  const exit = Effect.runSyncExit(Effect.forEach(list, (r) => Registration.build(r, provider, host)))
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.findErrorOption(exit.cause)
  throw new Error(Option.isSome(error) ? error.value.message : Cause.pretty(exit.cause))
}

/** `{ "/sandbox/<slug>": app }` for `createApp`'s `mounts`. */
export const mounts = (registered: ReadonlyArray<Registered>) =>
  Object.fromEntries(registered.flatMap((r) => (r.sandbox ? [[`/sandbox/${r.sandbox.slug}`, r.sandbox.app] as const] : [])))
