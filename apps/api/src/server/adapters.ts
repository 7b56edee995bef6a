/**
 * The utilities this server serves (listed one line per adapter in `adapterList.ts`), built from their settings.
 * Each adapter owns its settings (an Effect `Config` in its `registration`);
 * the runtime hands in a `ConfigProvider` over its environment variables or
 * bindings. A utility with no settings runs in test mode against its sandbox,
 * mounted in-process under `/sandbox/<slug>`.
 */
import { Cause, ConfigProvider, Effect, Exit, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as list from "./adapterList.ts"

export const adapters: ReadonlyArray<Registration.Registration> = Object.values(list)

export type Registered = Registration.Built

export interface BuildOptions {
  /** This server's origin; sandboxes are reachable under `<publicBaseUrl>/sandbox/<slug>`. */
  readonly publicBaseUrl: string
  /** Where the adapters' settings come from: environment variables, Workers bindings. */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly nowMs?: number
  /**
   * Test mode (METERBRIDGE_TEST_MODE, on unless set to 0): utilities without live settings run against their
   * sandboxes, mounted over HTTP. Off: such utilities are not served at all, and no sandbox is mounted;
   * an adapter with no production at all (DEMO, `Registration.noSettings`) still collects from its sandbox in-process.
   */
  readonly testMode?: boolean
}

/** Every adapter, built; a half-configured utility throws an Error naming what is missing. */
export const build = (options: BuildOptions, list: ReadonlyArray<Registration.Registration> = adapters): ReadonlyArray<Registered> => {
  const provider = ConfigProvider.fromEnvRecord({ ...options.env })
  const host = { publicBaseUrl: options.publicBaseUrl, nowMs: options.nowMs ?? Date.now() }
  const testMode = options.testMode ?? true
  // Settings absent and test mode off: the utility is not served (unless it has no production at all).
  const served = (r: Registration.Registration, built: Registered) => testMode || built.sandbox === undefined || r.settings === Registration.noSettings
  const exit = Effect.runSyncExit(Effect.forEach(list, (r) => Effect.map(Registration.build(r, provider, host), (built) => (served(r, built) ? [built] : []))))
  if (Exit.isSuccess(exit)) return exit.value.flat()
  const error = Cause.findErrorOption(exit.cause)
  throw new Error(Option.isSome(error) ? error.value.message : Cause.pretty(exit.cause))
}

/** `{ "/sandbox/<slug>": app }` for `createApp`'s `mounts`: sandboxes are reachable over HTTP in test mode only. */
export const mounts = (registered: ReadonlyArray<Registered>, testMode = true) =>
  !testMode ? {} : Object.fromEntries(registered.flatMap((r) => (r.sandbox ? [[`/sandbox/${r.sandbox.slug}`, r.sandbox.app] as const] : [])))
