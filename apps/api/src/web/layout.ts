/**
 * The page shell every customer-facing page shares: readable on a phone,
 * usable without JavaScript, one stylesheet inline (no asset pipeline).
 * Rendered with `hono/html`, which escapes every interpolated value.
 * (Hono's JSX would need a build step: Node runs these sources by type
 * stripping, which does not cover .tsx.)
 */
import { html } from "hono/html"
import type { HtmlEscapedString } from "hono/utils/html"

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const STYLE = `
:root{color-scheme:light;--ink:#1c2430;--muted:#5a6472;--line:#d5dbe3;--brand:#0b6e4f;--brand-ink:#fff;--bad:#b3261e;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1.5rem;box-shadow:0 1px 2px rgba(0,0,0,.04)}
header.company{display:flex;gap:.75rem;align-items:center;margin-bottom:1rem}
header.company img{width:48px;height:48px;object-fit:contain;border-radius:8px;border:1px solid var(--line)}
h1{font-size:1.4rem;line-height:1.3;margin:.25rem 0 1rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
p,li{color:var(--ink)}
.muted{color:var(--muted);font-size:.95rem}
ul.shares{padding-left:1.2rem;margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.help{display:block;font-weight:400;color:var(--muted);font-size:.875rem;margin-top:.15rem}
input[type=text],input[type=email],input[type=password],select{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #aeb7c2;border-radius:8px;background:#fff}
input:focus,select:focus,button:focus,a:focus{outline:3px solid #7cc4a8;outline-offset:2px}
input[aria-invalid=true],select[aria-invalid=true]{border-color:var(--bad)}
.error{color:var(--bad);font-size:.9rem;margin:.3rem 0 0}
.alert{border:1px solid var(--bad);background:#fdecea;color:var(--bad);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
.consent{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin-top:1.25rem}
.consent input{margin-top:.3rem;width:1.1rem;height:1.1rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button,.button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:8px;border:1px solid var(--brand);background:var(--brand);color:var(--brand-ink);cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--ink);border-color:#aeb7c2}
.utilities{display:grid;gap:.5rem;margin:.5rem 0 0;padding:0;list-style:none}
.utilities a{display:block;padding:.75rem 1rem;border:1px solid var(--line);border-radius:8px;color:var(--ink);text-decoration:none;background:#fff}
.utilities a:hover{border-color:var(--brand)}
.utilities .id{color:var(--muted);font-size:.875rem}
.badge{display:inline-block;font-size:.75rem;font-weight:700;padding:.1rem .45rem;border-radius:999px;background:#fff4ce;color:#6b4d00;border:1px solid #e9d27a}
footer{margin-top:1.5rem;text-align:center;color:var(--muted);font-size:.85rem}
`

export const page = (title: string, body: Html, status?: string) =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Meterbridge</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${status === undefined ? "" : html`<p class="muted" aria-live="polite">${status}</p>`}
<div class="card">${body}</div>
<footer>Secured by Meterbridge · your utility login is encrypted and never shown to the company.</footer>
</main>
</body>
</html>`

export const message = (title: string, text: string) => page(title, html`<h1>${title}</h1><p>${text}</p>`)
