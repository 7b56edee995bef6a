/** `/docs`: the interactive API reference, Scalar's standalone bundle rendering `/api/openapi.json`. */
import { Hono } from "hono"
import { html } from "hono/html"
import type { Shared } from "../shared/Shared.ts"

export const docs = (_shared: Shared) => {
  const app = new Hono()
  app.get("/", (c) => {
    // Scalar injects its styles at run time and fetches the document: same origin only, no fonts or proxies from elsewhere.
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return c.html(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Meterbridge</title>
</head>
<body>
<div id="reference" data-url="/api/openapi.json"><noscript>The interactive reference needs JavaScript. The document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript></div>
<script src="/assets/scalar.js"></script>
<script src="/assets/docs.js"></script>
</body>
</html>`)
  })
  return app
}
