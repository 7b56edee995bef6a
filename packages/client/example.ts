import { createClient } from "@meterbridge/client"

const mb = createClient({
  baseUrl: process.env["METERBRIDGE_URL"] ?? "http://127.0.0.1:3000",
  token: process.env["METERBRIDGE_TOKEN"] ?? ""
})

// Every meter, page by page.
for await (const meter of mb.list("/api/v2/meters", { limit: "50" })) {
  console.log(`meter ${meter.uid}: ${meter.utility}, ${meter.interval_count} intervals`)
}

// Any documented call, typed; unwrap throws an ApiError for a non-2xx answer.
const services = await mb.unwrap(mb.raw.GET("/api/services"))

// A service's readings, a month per request.
let kWh = 0
for await (const reading of mb.intervals(services[0]!.uid)) kWh += reading.interval_kWh ?? 0
console.log(`total ${kWh.toFixed(3)} kWh`)
