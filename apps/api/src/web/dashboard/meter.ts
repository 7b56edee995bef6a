/**
 * A meter's page: usage chart (downsampled on the server, zoomable in the
 * browser), daily and monthly totals with imports and exports apart, gaps,
 * bills as a chart and a table with line items, CSV downloads.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import { html } from "hono/html"
import { Stream } from "effect"
import { Bill, Interval, Store } from "@meterbridge/core"
import { run } from "../../shared/run.ts"
import type { Shared } from "../../shared/Shared.ts"
import { CSV_TYPE, csv, csvRows } from "../../shared/wire.ts"
import * as Serialize from "../../v1/Serialize.ts"
import { message } from "../layout.ts"
import type { DashEnv } from "./env.ts"
import { shell } from "./layout.ts"
import * as Series from "./series.ts"
import { badge, coverage, day, kWh, money, when } from "./view.ts"

const billsChart = (bills: ReadonlyArray<Store.BillRecord>) => {
  const shown = bills.filter((b) => b.bill_total !== null)
  if (shown.length === 0) return html`<p class="muted">No bill totals to chart.</p>`
  const W = 720, H = 200, pad = 36
  const max = Math.max(...shown.map((b) => b.bill_total!), 1)
  const bw = (W - pad) / shown.length
  const summary = shown.map((b) => `${day(b.bill_end_date)}: ${money(b.bill_total)}`).join("; ")
  return html`<figure class="card"><svg class="bars" viewBox="0 0 ${W} ${H + 24}" role="img" aria-label="Bill totals by period end. ${summary}">
<line x1="${pad}" y1="${H}" x2="${W}" y2="${H}" stroke="#8a95a3"/>
<text x="0" y="12" font-size="11" fill="#4f5966">${money(max)}</text>
${
    shown.map((b, i) => {
      const h = Math.max(1, (b.bill_total! / max) * (H - 16))
      const x = pad + i * bw + bw * 0.15
      return html`<rect x="${x.toFixed(1)}" y="${(H - h).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="#0b6e4f"><title>${day(b.bill_start_date)} – ${day(b.bill_end_date)}: ${money(b.bill_total)}</title></rect>
${shown.length <= 40 ? html`<text x="${(x + bw * 0.35).toFixed(1)}" y="${H + 16}" font-size="10" text-anchor="middle" fill="#4f5966">${day(b.bill_end_date).slice(2, 7)}</text>` : ""}`
    })
  }</svg><figcaption class="muted">Bill totals, one bar per bill (period end, YY-MM).</figcaption></figure>`
}

const billsTable = (bills: ReadonlyArray<Store.BillRecord>) =>
  html`<div class="table-wrap"><table>
<caption>${bills.length} bills, newest first; open a bill for its line items</caption>
<thead><tr><th scope="col">Period</th><th scope="col">Statement</th><th scope="col" class="num">kWh</th><th scope="col" class="num">Total</th><th scope="col">Line items</th></tr></thead>
<tbody>${
    [...bills].reverse().map((b) =>
      html`<tr><td>${day(b.bill_start_date)} – ${day(b.bill_end_date)}</td><td>${b.bill_statement_date === null ? "—" : day(b.bill_statement_date)}</td>
<td class="num">${kWh(b.bill_total_kWh)}</td><td class="num">${money(b.bill_total)}</td>
<td>${
        b.bill_breakdown === null || b.bill_breakdown.line_items.length === 0
          ? html`<span class="muted">none</span>`
          : html`<details><summary>${b.bill_breakdown.line_items.length} line items</summary><table>
<thead><tr><th scope="col">Item</th><th scope="col" class="num">Volume</th><th scope="col" class="num">Rate</th><th scope="col" class="num">Cost</th></tr></thead>
<tbody>${
            b.bill_breakdown.line_items.map((li) =>
              html`<tr><td>${li.name}</td><td class="num">${li.volume === null ? "—" : `${kWh(li.volume)} ${li.unit ?? ""}`}</td><td class="num">${li.rate ?? "—"}</td><td class="num">${money(li.cost)}</td></tr>`
            )
          }</tbody></table></details>`
      }</td></tr>`
    )
  }</tbody></table></div>`

const totalsTable = (caption: string, rows: ReadonlyArray<Series.Total>, hasExports: boolean) =>
  html`<div class="table-wrap"><table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Period (UTC)</th><th scope="col" class="num">Imported kWh</th>${hasExports ? html`<th scope="col" class="num">Exported kWh</th>` : ""}<th scope="col" class="num">Readings</th></tr></thead>
<tbody>${
    rows.map((t) =>
      html`<tr><td>${t.period}</td><td class="num">${kWh(t.delivered_kWh)}</td>${hasExports ? html`<td class="num">${kWh(t.received_kWh)}</td>` : ""}<td class="num">${t.readings}</td></tr>`
    )
  }</tbody></table></div>`

const duration = (micros: number) => {
  const minutes = Math.round(micros / 60_000_000)
  return minutes >= 2880 ? `${Math.round(minutes / 1440)} days` : minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`
}

export const meter = (shared: Shared) => {
  const { runtime } = shared
  const app = new Hono<DashEnv>()

  const owned = (c: Context<DashEnv>) =>
    run(runtime, Store.Store.use((s) => s.getService(c.req.param("uid") ?? ""))).then((s) =>
      s !== undefined && s.user_uid === c.get("session").user.uid ? s : undefined
    )
  const intervals = (uid: string, query: Store.IntervalQuery) =>
    run(runtime, Store.Store.use((s) => Stream.runCollect(s.streamIntervals(uid, query))))
  const cached = Series.cache()
  const columns = (s: Store.ServiceWithFigures) =>
    cached(s, async () => {
      const [delivered, received] = await Promise.all(Series.FLOWS.map((flow) => intervals(s.uid, { flow })))
      return { delivered: Series.column(delivered!), received: Series.column(received!) }
    })
  const bills = (uid: string) =>
    run(runtime, Store.Store.use((s) => Stream.runCollect(s.streamBills(uid))))

  app.get("/:uid", async (c) => {
    const s = await owned(c)
    if (!s) return c.html(message("Not found", "No meter of yours has that uid."), 404)
    const [cols, billRows] = await Promise.all([columns(s), bills(s.uid)])
    const totals = Series.totals(cols)
    const gaps = Series.gaps(cols.delivered)
    const hasExports = cols.received.start.length > 0
    const first = s.interval_coverage[0]?.[0]
    const last = s.interval_coverage.at(-1)?.[1]
    const extra = html`<link rel="stylesheet" href="/assets/uplot.css"><script defer src="/assets/uplot.js"></script><script defer src="/assets/dashboard.js"></script>`
    return c.html(shell(c.get("session"), `Meter ${s.utility_meter_number ?? s.utility_service_id}`, "/dashboard", html`
<p><a href="/dashboard/authorizations/${s.account_uid}">← Authorization ${s.account_uid}</a></p>
<dl class="stats">
<div><dt>Status</dt><dd>${badge(s.latest?.type ?? "pending")}</dd></div>
<div><dt>Utility</dt><dd>${s.utility}</dd></div>
<div><dt>Tariff</dt><dd>${s.utility_tariff_name ?? "—"}</dd></div>
<div><dt>Intervals</dt><dd>${s.interval_count.toLocaleString("en-US")}</dd></div>
<div><dt>Bills</dt><dd>${s.bill_count}</dd></div>
<div><dt>Last collected</dt><dd>${when(s.last_collected)}</dd></div>
</dl>
<p>${s.utility_service_address ?? ""} · <span class="muted">${s.latest?.message ?? ""}</span></p>
<h2 id="usage">Interval usage</h2>
${
      first === undefined || last === undefined
        ? html`<p class="muted">No interval data yet.</p>`
        : html`<p class="muted">Coverage ${coverage(s.interval_coverage)}. Drag across the chart to zoom in; the chart loads finer data for the range you pick.</p>
<div class="chart-tools" role="group" aria-label="Chart range">
<button type="button" class="secondary" data-range="1">Last day</button>
<button type="button" class="secondary" data-range="7">Last week</button>
<button type="button" class="secondary" data-range="31">Last month</button>
<button type="button" class="secondary" data-range="all">Everything</button>
<button type="button" class="secondary" data-zoom="in">Zoom in</button>
<button type="button" class="secondary" data-zoom="out">Zoom out</button>
</div>
<div id="usage-chart" class="card" data-series="/dashboard/meters/${s.uid}/series.json" data-start="${first}" data-end="${last}" aria-describedby="chart-status">
<noscript>The chart needs JavaScript; the totals below and the CSV downloads do not.</noscript></div>
<p id="chart-status" class="muted" aria-live="polite"></p>`
    }
<p>Download CSV: <a href="/dashboard/meters/${s.uid}/intervals.csv?flow=delivered">imported intervals</a>${
      hasExports ? html` · <a href="/dashboard/meters/${s.uid}/intervals.csv?flow=received">exported intervals</a>` : ""
    } · <a href="/dashboard/meters/${s.uid}/bills.csv">bills</a></p>
<h2 id="gaps">Gaps in the data</h2>
${
      gaps.length === 0
        ? html`<p>No gaps between ${first === undefined ? "readings" : html`${day(first)} and ${day(last!)}`}.</p>`
        : html`<div class="table-wrap"><table><caption>${gaps.length} gaps in imported readings</caption>
<thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Missing</th></tr></thead>
<tbody>${gaps.slice(0, 200).map((g) => html`<tr><td>${when(g.start)}</td><td>${when(g.end)}</td><td>${duration(g.end - g.start)}</td></tr>`)}</tbody></table></div>`
    }
<h2 id="monthly">Monthly totals</h2>
${totalsTable("kWh per month", totals.monthly, hasExports)}
<h2 id="daily">Daily totals</h2>
<details><summary>${totals.daily.length} days</summary>${totalsTable("kWh per day", totals.daily, hasExports)}</details>
<h2 id="bills">Bills</h2>
${billsChart(billRows)}
${billsTable(billRows)}`, extra))
  })

  app.get("/:uid/series.json", async (c) => {
    const s = await owned(c)
    if (!s) return c.json({ error: "not_found" }, 404)
    const first = s.interval_coverage[0]?.[0] ?? 0
    const last = s.interval_coverage.at(-1)?.[1] ?? first
    const num = (name: string) => {
      const v = Number(c.req.query(name))
      return Number.isFinite(v) && c.req.query(name) !== undefined ? v : undefined
    }
    // The browser speaks seconds (uPlot's unit); the Store microseconds.
    const start = Math.max(first, (num("start") ?? first / 1e6) * 1e6)
    const end = Math.min(last, (num("end") ?? last / 1e6) * 1e6)
    const points = Math.min(Series.MAX_POINTS * 2, Math.max(10, Math.floor(num("points") ?? Series.MAX_POINTS)))
    return c.json(Series.downsample(await columns(s), start, Math.max(start, end), points))
  })

  app.get("/:uid/intervals.csv", async (c) => {
    const s = await owned(c)
    if (!s) return c.text("Not found", 404)
    const flow = c.req.query("flow") === "received" ? "received" : "delivered"
    const rows = await intervals(s.uid, { flow })
    return c.body(csvRows([[...Interval.csvColumns], ...rows.map(Serialize.intervalCsvRow)]), 200, {
      "Content-Type": CSV_TYPE,
      "Content-Disposition": `attachment; filename="${s.uid}-intervals-${flow}.csv"`
    })
  })

  app.get("/:uid/bills.csv", async (c) => {
    const s = await owned(c)
    if (!s) return c.text("Not found", 404)
    const rows = await bills(s.uid)
    return c.body(csv(rows.map(Serialize.bill), Bill.csvColumns), 200, {
      "Content-Type": CSV_TYPE,
      "Content-Disposition": `attachment; filename="${s.uid}-bills.csv"`
    })
  })
  return app
}
