/** `/assets/<name>`: the pages' static files, from the runtime's reader (see shared/Assets.ts). */
import { Hono } from "hono"
import * as Assets from "../shared/Assets.ts"
import type { Shared } from "../shared/Shared.ts"

export const assets = (shared: Shared) => {
  const app = new Hono()
  app.get("/:name", async (c) => {
    const name = c.req.param("name")
    const asset = Assets.isName(name) ? await shared.runtime.assets(name) : undefined
    if (!asset) return c.text("Not found", 404)
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": asset.type,
      // Names carry no version: revalidate after an hour so an upgrade shows up.
      "Cache-Control": "public, max-age=3600"
    })
  })
  return app
}
