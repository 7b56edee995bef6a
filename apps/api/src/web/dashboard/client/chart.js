// The dashboard's one script (served as /assets/dashboard.js): copy buttons, and
// the usage chart. The chart (uPlot) shows what the server sends for the range
// in view, already downsampled; each zoom asks the server for that range again,
// so a year of 15-minute readings never reaches the page at once.
// `window.meterbridgeChart` exposes what the browser test measures.
"use strict";
(() => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copy)
      input.select()
      try {
        await navigator.clipboard.writeText(input.value)
        button.textContent = "Copied"
      } catch {
        button.textContent = "Selected: press Ctrl+C"
      }
    })
  }

  const el = document.getElementById("usage-chart")
  if (!el || typeof uPlot === "undefined") return
  const status = document.getElementById("chart-status")
  const url = el.dataset.series
  const first = Math.floor(Number(el.dataset.start) / 1e6)
  const last = Math.ceil(Number(el.dataset.end) / 1e6)
  const DAY = 86400
  const state = (window.meterbridgeChart = { ready: false, points: 0, start: first, end: last, step: 0, timings: [] })

  let plot
  let seq = 0
  let settingData = false

  const width = () => Math.max(280, el.clientWidth - 34)
  const fmt = (s) => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ")

  const draw = (series, start, end) => {
    const exports = series.received.some((v) => v !== null)
    const data = exports ? [series.t, series.delivered, series.received] : [series.t, series.delivered]
    if (!plot) {
      plot = new uPlot({
        width: width(),
        height: 320,
        title: "Average demand (kW)",
        scales: { x: { time: true } },
        cursor: { drag: { x: true, y: false } },
        series: [
          { label: "Time" },
          { label: "Imported kW", stroke: "#0b6e4f", width: 1.5, fill: "rgba(11,110,79,.08)" },
          ...(exports ? [{ label: "Exported kW", stroke: "#b5540b", width: 1.5 }] : [])
        ],
        axes: [{}, { label: "kW" }],
        hooks: {
          setScale: [(u, key) => {
            if (key !== "x" || settingData) return
            const { min, max } = u.scales.x
            if (min != null && max != null) load(Math.floor(min), Math.ceil(max))
          }]
        }
      }, data, el)
    } else {
      settingData = true
      plot.setData(data, false)
      plot.setScale("x", { min: start, max: end })
      settingData = false
    }
  }

  // A zoom's response time: from the user's action to the frame that shows the new range's own data.
  const load = async (start, end) => {
    const asked = performance.now()
    start = Math.max(first, start)
    end = Math.min(last, Math.max(end, start + 3600))
    const mine = ++seq
    const res = await fetch(`${url}?start=${start}&end=${end}&points=${Math.min(1500, width() * 2)}`, { credentials: "same-origin" })
    if (mine !== seq) return
    if (!res.ok) {
      status.textContent = `Could not load the data (${res.status}).`
      return
    }
    const series = await res.json()
    if (mine !== seq) return
    draw(series, start, end)
    Object.assign(state, { ready: true, points: series.t.length, start, end, step: series.step_seconds })
    requestAnimationFrame(() => state.timings.push(performance.now() - asked))
    const step = series.step_seconds >= 3600 ? `${series.step_seconds / 3600} h` : `${series.step_seconds / 60} min`
    status.textContent = `${fmt(start)} to ${fmt(end)} UTC: ${series.t.length} points, one per ${step}` +
      (series.step_seconds > 900 ? " (averaged; zoom in for finer data)" : "") + "."
  }

  for (const b of document.querySelectorAll("[data-range]")) {
    b.addEventListener("click", () => {
      const days = b.dataset.range
      load(days === "all" ? first : last - Number(days) * DAY, last)
    })
  }
  for (const b of document.querySelectorAll("[data-zoom]")) {
    b.addEventListener("click", () => {
      const span = state.end - state.start
      const mid = (state.start + state.end) / 2
      const half = b.dataset.zoom === "in" ? span / 4 : span
      load(Math.floor(mid - half), Math.ceil(mid + half))
    })
  }
  addEventListener("resize", () => plot?.setSize({ width: width(), height: 320 }))
  load(first, last)
})()
