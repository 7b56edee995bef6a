import { serve } from "@hono/node-server"
import { Hono } from "hono"
const spin = Number(process.argv[2])
const body = JSON.stringify({ x: "y".repeat(540) })
const app = new Hono()
app.get("*", (c) => { const end = performance.now() + spin / 1000; while (performance.now() < end); return c.body(body, 200, { "Content-Type": "application/json" }) })
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => console.log(`listening http://127.0.0.1:${info.port}`))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
