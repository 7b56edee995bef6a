// Starts the API reference (served as /assets/docs.js) from the page's data-url,
// without Scalar's web fonts or request proxy: the page loads nothing from elsewhere.
"use strict";
(() => {
  const el = document.getElementById("reference")
  Scalar.createApiReference(el, { url: el.dataset.url, withDefaultFonts: false, hideClientButton: true, telemetry: false })
})()
