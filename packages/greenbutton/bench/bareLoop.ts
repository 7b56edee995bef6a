/**
 * The baseline every Green Button figure is compared with: the minimal extraction loop over the same streaming
 * tokenizer (saxes, same options) — local names, three fields, one counter and one sum, nothing a real reader could
 * leave out. Imports nothing but saxes, so as a whole process it also sets the bar for start-up.
 *
 *   node bench/bareLoop.ts <feed.xml>     # prints {"readings":…,"total":…,"seconds":…,"maxRssMB":…}
 */
import { createReadStream } from "node:fs"
import { SaxesParser } from "saxes"

export const bareLoop = async (file: string): Promise<{ readings: number; total: number }> => {
  let readings = 0
  let total = 0
  const p = new SaxesParser({ xmlns: false, position: false })
  let field = 0, text = "", inReading = false
  let start = 0, duration = 0, value = 0
  p.on("opentag", (t) => {
    const i = t.name.indexOf(":")
    const n = i < 0 ? t.name : t.name.slice(i + 1)
    if (n === "IntervalReading") inReading = true
    else if (inReading) field = n === "start" ? 1 : n === "duration" ? 2 : n === "value" ? 3 : 0
    text = ""
  })
  p.on("text", (s) => {
    if (field !== 0) text += s
  })
  p.on("closetag", (t) => {
    if (field !== 0) {
      const v = Number(text)
      if (field === 1) start = v
      else if (field === 2) duration = v
      else value = v
      field = 0
      return
    }
    if (t.name.endsWith("IntervalReading")) {
      inReading = false
      if (start >= 0 && duration > 0) {
        readings++
        total += value / 1000
      }
    }
  })
  const decoder = new TextDecoder()
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) p.write(decoder.decode(chunk as Buffer, { stream: true }))
  p.close()
  return { readings, total }
}

if (import.meta.main) {
  const t0 = performance.now()
  const r = await bareLoop(process.argv[2]!)
  const seconds = (performance.now() - t0) / 1000
  process.stdout.write(JSON.stringify({ ...r, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }))
}
