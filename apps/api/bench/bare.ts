/**
 * The baseline server: one Hono route on `@hono/node-server` answering with
 * fixed bytes (the API's own response body, saved by the driver), so the
 * ratio measures what the API does beyond writing that body.
 */
import { serve } from "@hono/node-server"
import { readFileSync } from "node:fs"
import { Hono } from "hono"

const [bodyFile, contentType] = process.argv.slice(2) as [string, string]
const body = readFileSync(bodyFile, "utf8")
const app = new Hono()
app.get("*", (c) => c.body(body, 200, { "Content-Type": contentType }))
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => console.log(`listening http://127.0.0.1:${info.port}`))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
