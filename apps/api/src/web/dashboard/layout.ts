/**
 * The dashboard's page shell: a skip link, one navigation landmark, one
 * `main`, the stylesheet inline. `hono/html` like the customer pages (Node runs
 * these sources by type stripping, which does not cover .tsx; `hono/html`
 * escapes every interpolated value).
 */
import { html } from "hono/html"
import type { Html } from "../layout.ts"
import type { Session } from "./session.ts"

const STYLE = `
:root{color-scheme:light;--ink:#1c2430;--muted:#4f5966;--line:#d5dbe3;--brand:#0b6e4f;--bad:#a3211a;--bg:#f6f8fa;--warn-bg:#fff4ce;--warn:#5c4300}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
a{color:#0a5c42}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
header.top{background:#10231c;color:#fff}
header.top .bar{max-width:72rem;margin:0 auto;display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.6rem 1rem}
header.top .brand{font-weight:700;color:#fff;text-decoration:none;margin-right:1rem}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
header.top nav a{color:#e6f2ed;text-decoration:none;padding:.35rem .6rem;border-radius:6px;display:inline-block}
header.top nav a[aria-current=page]{background:#245a46;color:#fff}
header.top nav a:hover{background:#1d4637}
header.top form{margin-left:auto;display:flex;gap:.75rem;align-items:center}
header.top .who{color:#cfe3da;font-size:.9rem}
main{max-width:72rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.15rem;margin:1.75rem 0 .5rem}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem 1.25rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.925rem}
caption{text-align:left;font-weight:600;padding:.4rem 0;color:var(--muted)}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef2f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
.muted{color:var(--muted)}
.badge{display:inline-block;font-size:.75rem;font-weight:700;padding:.05rem .45rem;border-radius:999px;border:1px solid var(--line);background:#eef2f5;color:var(--ink);white-space:nowrap}
.badge.test{background:var(--warn-bg);color:var(--warn);border-color:#e9d27a}
.badge.updated{background:#e3f4ec;color:#0b5139;border-color:#a8d8c2}
.badge.pending{background:#e8eefc;color:#1f3f8a;border-color:#b8c8f0}
.badge.error,.badge.revoked,.badge.declined{background:#fdecea;color:var(--bad);border-color:#f0b4ae}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:0 0 1rem}
label{display:block;font-weight:600;font-size:.875rem;margin:0 0 .2rem}
input[type=text],input[type=email],input[type=password],input[type=datetime-local],input[type=url],select{font:inherit;padding:.45rem .55rem;border:1px solid #8a95a3;border-radius:6px;background:#fff;min-width:12rem}
input:focus,select:focus,button:focus,a:focus,summary:focus,[tabindex]:focus{outline:3px solid #2f8f6b;outline-offset:2px}
button,.button{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--ink);border-color:#8a95a3}
button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}
header.top button.secondary{background:transparent;color:#fff;border-color:#7fa899}
.alert{border:1px solid var(--bad);background:#fdecea;color:var(--bad);border-radius:8px;padding:.6rem .9rem;margin:0 0 1rem}
.notice{border:1px solid #a8d8c2;background:#e3f4ec;border-radius:8px;padding:.6rem .9rem;margin:0 0 1rem}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:0 0 1rem}
.stats div{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem}
.stats dt{color:var(--muted);font-size:.8rem}
.stats dd{margin:0;font-weight:700;font-size:1.1rem}
.chart-tools{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
#usage-chart{min-height:340px}
.secret{font-family:ui-monospace,monospace;word-break:break-all;background:#f1f4f7;padding:.4rem .6rem;border-radius:6px}
input.copy{font-family:ui-monospace,monospace;min-width:min(36rem,100%)}
details summary{cursor:pointer}
.bars{display:block;max-width:100%}
.login{max-width:24rem;margin:4rem auto}
.login label{margin-top:.8rem}
.login input{width:100%}
`

const NAV = [
  ["/dashboard", "Authorizations"],
  ["/dashboard/request", "Request data"],
  ["/dashboard/tokens", "API tokens"],
  ["/dashboard/registrations", "Registrations"],
  ["/dashboard/webhooks", "Webhooks"],
  ["/docs", "API reference"]
] as const

export const head = (title: string, extra: Html | string = "") =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Meterbridge dashboard</title>
<style>${STYLE}</style>
${extra}
</head>`

/** A signed-in page; `section` is the nav entry it belongs to. */
export const shell = (session: Session, title: string, section: string, body: Html, extra: Html | string = "") =>
  html`${head(title, extra)}
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar">
<a class="brand" href="/dashboard">Meterbridge</a>
<nav aria-label="Dashboard"><ul>${
    [...NAV, ...(session.isOperator ? [["/dashboard/operator", "Operator"] as const] : [])].map(([href, label]) =>
      html`<li><a href="${href}"${href === section ? html` aria-current="page"` : ""}>${label}</a></li>`
    )
  }</ul></nav>
<form method="post" action="/logout"><span class="who">${session.user.email}</span><input type="hidden" name="csrf_token" value="${session.csrf}"><button class="secondary" type="submit">Sign out</button></form>
</div></header>
<main id="content" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`

/** A page for someone not signed in (the sign-in form). */
export const bare = (title: string, body: Html) =>
  html`${head(title)}
<body>
<main id="content" class="login">
${body}
</main>
</body>
</html>`
