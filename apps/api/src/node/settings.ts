/**
 * Settings for events and billing, read from the environment once at start (Node entrypoints only).
 *
 * Test mode: an explicit `METERBRIDGE_TEST_MODE=1|0`, else "no utility has live credentials" (every utility
 * runs against its in-process sandbox, or is DEMO). It decides the default of
 * `METERBRIDGE_WEBHOOK_ALLOW_PRIVATE`: private, loopback and link-local webhook targets are allowed in test mode only.
 */
import { Billing } from "@meterbridge/core"
import { AddressPolicy } from "@meterbridge/webhooks"
import type { Registered } from "./collectors.ts"

type Env = Readonly<Record<string, string | undefined>>

const flag = (v: string | undefined): boolean | undefined =>
  v === undefined || v.trim() === "" ? undefined : v === "1" || v.toLowerCase() === "true"

export const testMode = (env: Env, registered: ReadonlyArray<Registered>): boolean =>
  flag(env["METERBRIDGE_TEST_MODE"]) ?? registered.every((r) => r.sandbox !== undefined || r.collector.info.utility === "DEMO")

export const webhookPolicy = (env: Env, registered: ReadonlyArray<Registered>): AddressPolicy.Policy =>
  AddressPolicy.policyFromEnv(env, testMode(env, registered))

/**
 * `METERBRIDGE_BILLING=prepaid` turns billing on; `METERBRIDGE_PRICE_PER_COLLECTION` is dollars per collection of a
 * meter (default 0.10); `METERBRIDGE_BILLING_FREE` lists what collects free: `test` (test authorizations) and
 * utility IDs (default `test,DEMO`; `none` bills everything).
 */
export const billing = (env: Env): Billing.BillingSettings => {
  const mode = env["METERBRIDGE_BILLING"]?.trim() || "off"
  if (mode !== "off" && mode !== "prepaid") throw new Error(`METERBRIDGE_BILLING must be "off" or "prepaid", got "${mode}"`)
  const priceText = env["METERBRIDGE_PRICE_PER_COLLECTION"]?.trim() || "0.10"
  const price = Billing.parseDollars(priceText)
  if (price === undefined || price < 0) throw new Error(`METERBRIDGE_PRICE_PER_COLLECTION must be dollars like 0.25, got "${priceText}"`)
  const free = (env["METERBRIDGE_BILLING_FREE"]?.trim() || "test,DEMO").split(",").map((s) => s.trim()).filter((s) => s !== "" && s !== "none")
  return { mode, pricePerCollection: price, freeTest: free.includes("test"), freeUtilities: free.filter((f) => f !== "test") }
}
