/** Small pieces of HTML the dashboard's pages share. */
import { html } from "hono/html"
import { Timestamp } from "@meterbridge/core"
import type { Store } from "@meterbridge/core"

export const when = (t: Timestamp.Micros | null | undefined) =>
  t === null || t === undefined ? html`<span class="muted">—</span>` : html`<time datetime="${Timestamp.format(t)}">${Timestamp.format(t).slice(0, 16).replace("T", " ")}</time>`

export const day = (t: Timestamp.Micros) => Timestamp.format(t).slice(0, 10)

/** An authorization's state as one word: revoked and declined win over what collection last said. */
export const accountStatus = (a: Store.AccountRecord): string =>
  a.revoked !== null ? "revoked" : a.declined !== null ? "declined" : a.latest?.type ?? "pending"

export const badge = (status: string) => html`<span class="badge ${status}">${status}</span>`
export const testBadge = (isTest: boolean) => (isTest ? html` <span class="badge test" title="Test mode: never billed, deletable">test</span>` : "")

export const coverage = (ranges: ReadonlyArray<readonly [number, number]>) =>
  ranges.length === 0
    ? html`<span class="muted">none</span>`
    : html`${day(ranges[0]![0])} – ${day(ranges[ranges.length - 1]![1])}${ranges.length > 1 ? html` <span class="muted">(${ranges.length} spans)</span>` : ""}`

export const csrfField = (csrf: string) => html`<input type="hidden" name="csrf_token" value="${csrf}">`

export const kWh = (x: number | null) => (x === null ? "—" : x.toLocaleString("en-US", { maximumFractionDigits: 3 }))
export const money = (x: number | null) => (x === null ? "—" : x.toLocaleString("en-US", { style: "currency", currency: "USD" }))
