/** `GET /api/openapi.json`: the document, generated once per app. */
import { Hono } from "hono"
import { document } from "./document.ts"

export const openapi = (baseUrl: string) => {
  const app = new Hono()
  let text: string | undefined
  app.get("/", (c) => {
    text ??= JSON.stringify(document(baseUrl))
    return c.body(text, 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300" })
  })
  return app
}
