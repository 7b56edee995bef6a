/**
 * `POST /api/v2/imports`: a customer's Green Button file (ESPI XML, a utility
 * CSV or the `.zip` as downloaded) as `multipart/form-data` — `file`, and
 * `signature`, the customer's name — becomes an authorization with its meters,
 * bills and intervals, as a collected one; the same file again changes nothing.
 */
import { Hono } from "hono"
import { Store } from "@meterbridge/core"
import { importGreenButton } from "../../shared/importUpload.ts"
import type { Deps, V2Env } from "../Deps.ts"
import * as Encode from "../encode.ts"

export const imports = (deps: Deps) => {
  const app = new Hono<V2Env>()
  app.post("/", async (c) => {
    const result = await importGreenButton(deps.runtime, deps.run, c.req.raw, c.get("userUid"), "signature")
    const ctx = await deps.context(c)
    const meters = await deps.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))
    return c.json({
      ...Encode.authorization(result.account, ctx),
      meters: { meters: meters.filter((m) => m.account_uid === result.account.uid).map((m) => Encode.meter(m, ctx)), next: null },
      imported: { created: result.created, bills: result.bills, intervals: result.intervals }
    }, result.created ? 201 : 200)
  })
  return app
}
