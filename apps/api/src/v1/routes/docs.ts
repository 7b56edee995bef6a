/** `GET /api/docs`: the documentation object. */
import { Hono } from "hono"
import type { AppEnv } from "../AppEnv.ts"
import { docs as tree } from "../Docs.ts"
import * as Respond from "../respond.ts"
import { only } from "./notAllowed.ts"

export const docs = () => {
  const app = new Hono<AppEnv>()
  app.get("/", (c) => Respond.send(c, tree, ["type", "title", "anchor"]))
  only(app, "/", ["GET"], "The documentation is read-only: GET /api/docs.")
  return app
}
