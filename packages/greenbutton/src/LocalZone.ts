/**
 * Local wall-clock times of an IANA zone → UTC epoch seconds, with the zone's offsets taken from `Intl`
 * (so the rules are the platform's tz database, not ours).
 */
export class LocalZone {
  readonly zone: string
  private readonly format: Intl.DateTimeFormat
  private readonly cache = new Map<number, number>()
  /** Per UTC day: its offset when constant all day, null on transition days. */
  private readonly days = new Map<number, number | null>()

  constructor(zone: string) {
    this.zone = zone
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", second: "2-digit"
    })
  }

  /**
   * Seconds east of UTC at `epoch`. A UTC day whose two ends share an offset has it throughout (zones do not change
   * and change back within a day), which saves `Intl` calls on all but transition days; those are resolved per
   * quarter hour, the finest step any zone changes on.
   */
  offsetAt(epoch: number): number {
    const day = Math.floor(epoch / 86400)
    let whole = this.days.get(day)
    if (whole === undefined) {
      const a = this.quarterOffset(day * 96), b = this.quarterOffset(day * 96 + 96)
      whole = a === b ? a : null
      this.days.set(day, whole)
    }
    return whole ?? this.quarterOffset(Math.floor(epoch / 900))
  }

  private quarterOffset(key: number): number {
    let off = this.cache.get(key)
    if (off === undefined) {
      const p: Record<string, number> = {}
      for (const part of this.format.formatToParts(new Date(key * 900 * 1000))) {
        if (part.type !== "literal") p[part.type] = Number(part.value)
      }
      off = Date.UTC(p["year"]!, p["month"]! - 1, p["day"]!, p["hour"]!, p["minute"]!, p["second"]!) / 1000 - key * 900
      this.cache.set(key, off)
    }
    return off
  }

  /**
   * Every UTC instant showing this wall-clock time, earliest first: one normally, two in the repeated fall-back
   * hour, none in the skipped spring-forward hour.
   */
  candidates(y: number, m: number, d: number, secondsOfDay: number): Array<number> {
    const local = Date.UTC(y, m - 1, d) / 1000 + secondsOfDay
    const out: Array<number> = []
    for (const off of new Set([this.offsetAt(local - 86400 / 2), this.offsetAt(local + 86400 / 2)])) {
      const t = local - off
      if (this.offsetAt(t) === off && !out.includes(t)) out.push(t)
    }
    return out.sort((a, b) => a - b)
  }

  /**
   * One instant for a wall-clock time: the earlier one when repeated; when skipped, read with the offset in force
   * before the jump (02:30 on a spring-forward day becomes 03:30 daylight time).
   */
  toUtc(y: number, m: number, d: number, secondsOfDay: number): number {
    const c = this.candidates(y, m, d, secondsOfDay)
    if (c.length > 0) return c[0]!
    const local = Date.UTC(y, m - 1, d) / 1000 + secondsOfDay
    return local - this.offsetAt(local - 86400 / 2)
  }

  /** UTC instant of local midnight starting the day y-m-d. */
  midnight(y: number, m: number, d: number): number {
    return this.toUtc(y, m, d, 0)
  }

  /** UTC instant of the local midnight `days` days after y-m-d. */
  midnightAfter(y: number, m: number, d: number, days = 1): number {
    const next = new Date(Date.UTC(y, m - 1, d + days))
    return this.midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate())
  }
}
