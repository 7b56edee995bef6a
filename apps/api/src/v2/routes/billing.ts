/** `/api/v2/billing`: the caller's prepaid balance and ledger (dollars). The operator credits it with the CLI. */
import { Hono } from "hono"
import { Billing, Store, Timestamp } from "@meterbridge/core"
import { Effect } from "effect"
import type { Deps, V2Env } from "../Deps.ts"

export const billing = (deps: Deps) => {
  const app = new Hono<V2Env>()
  app.get("/", async (c) => {
    const userUid = c.get("userUid")
    const { settings, balance, ledger } = await deps.run(Effect.gen(function*() {
      const store = yield* Store.Store
      return { settings: yield* Billing.Billing, balance: yield* store.balance(userUid), ledger: yield* store.listLedger(userUid) }
    }))
    return c.json({
      mode: settings.mode,
      currency: "USD",
      balance: Billing.toDollars(balance),
      price_per_collection: Billing.toDollars(settings.pricePerCollection),
      ledger: ledger.map((l) => ({ id: l.id, ts: Timestamp.format(l.ts), amount: Billing.toDollars(l.amount), description: l.description }))
    })
  })
  return app
}
