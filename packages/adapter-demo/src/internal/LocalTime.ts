/** Wall-clock parts in the DEMO utility's zone, cached per UTC hour (Pacific offsets are whole hours). */
export const ZONE = "America/Los_Angeles"

const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  weekday: "short"
})
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

export interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly weekday: number
}

const cache = new Map<number, LocalParts>()

export const localParts = (epochSeconds: number): LocalParts => {
  const hourKey = Math.floor(epochSeconds / 3600)
  let parts = cache.get(hourKey)
  if (!parts) {
    const p: Record<string, string> = {}
    for (const { type, value } of formatter.formatToParts(new Date(hourKey * 3_600_000))) p[type] = value
    parts = { year: +p["year"]!, month: +p["month"]!, day: +p["day"]!, hour: +p["hour"]!, weekday: WEEKDAYS[p["weekday"]!]! }
    if (cache.size > 500_000) cache.clear()
    cache.set(hourKey, parts)
  }
  return parts
}

/** The UTC epoch second of local midnight starting the given calendar day. */
export const localMidnight = (year: number, month: number, day: number): number => {
  // Normalise overflowing days/months through Date.UTC, then find which offset (PST or PDT) lands on 00:00.
  const base = Date.UTC(year, month - 1, day) / 1000
  for (const offsetHours of [8, 7]) {
    const t = base + offsetHours * 3600
    const p = localParts(t)
    const d = new Date(base * 1000)
    if (p.hour === 0 && p.day === d.getUTCDate() && p.month === d.getUTCMonth() + 1) return t
  }
  throw new Error(`No local midnight for ${year}-${month}-${day}`)
}
