/** `/api/registrations`: your third-party registration with utilities that require one (SMT); missing = pending. */
import { Hono } from "hono"
import { Collectors, Store } from "@meterbridge/core"
import type { AppEnv } from "../AppEnv.ts"
import type { Deps } from "../Deps.ts"
import * as Respond from "../respond.ts"
import { only } from "./notAllowed.ts"

export const registrations = ({ api }: Deps) => {
  const app = new Hono<AppEnv>()
  app.get("/", async (c) => {
    const infos = await api.run(Collectors.Collectors.useSync((r) => r.all.filter((i) => i.requiresRegistration)))
    const stored = new Map(
      (await api.run(Store.Store.use((s) => s.listRegistrations(c.get("userUid"))))).map((r) => [r.utility, r.status] as const)
    )
    return Respond.send(
      c,
      infos.map((i) => ({ utility: i.utility, name: i.name, status: stored.get(i.utility) ?? "pending" })),
      ["utility", "name", "status"]
    )
  })
  only(app, "/", ["GET"], "Registrations are set by the operator (`meterbridge registrations set --user <email> --utility SMT --status live`); GET /api/registrations shows yours.")
  return app
}
