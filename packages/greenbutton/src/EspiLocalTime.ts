import type { LocalTime } from "./EspiRecord.ts"

/**
 * ESPI LocalTimeParameters → local wall-clock presentation. Instants stay UTC epochs everywhere; this only says
 * which local date and time an instant falls on, so a 23-hour spring day and a 25-hour fall day both come out right.
 *
 * A DST rule is 32 bits: seconds (0–11), hour (12–16), weekday 1=Mon…7=Sun (17–19), day of month (20–24),
 * operator (25–27), month (28–31). Operator 0: that day of month; 1: last weekday of the month; 2 and up: the
 * weekday on or after the day of month, or with no day of month the (operator − 1)th weekday
 * (`360E2000` = 2nd Sunday of March 02:00, `B40E2000` = 1st Sunday of November 02:00).
 */
export interface DstRule {
  readonly month: number
  readonly operator: number
  readonly dayOfMonth: number
  readonly dayOfWeek: number
  readonly secondsOfDay: number
}

export const decodeDstRule = (hex: string): DstRule | undefined => {
  if (!/^[0-9a-fA-F]{8}$/.test(hex.trim())) return undefined
  const v = parseInt(hex.trim(), 16)
  const rule = {
    month: (v >>> 28) & 0xf,
    operator: (v >>> 25) & 0x7,
    dayOfMonth: (v >>> 20) & 0x1f,
    dayOfWeek: (v >>> 17) & 0x7,
    secondsOfDay: ((v >>> 12) & 0x1f) * 3600 + (v & 0xfff)
  }
  return rule.month >= 1 && rule.month <= 12 ? rule : undefined
}

const US_START = decodeDstRule("360E2000")!
const US_END = decodeDstRule("B40E2000")!

/** The local calendar day (1–31) the rule falls on in `year`. */
export const ruleDay = (rule: DstRule, year: number): number => {
  const daysInMonth = new Date(Date.UTC(year, rule.month, 0)).getUTCDate()
  if (rule.operator === 0 || rule.dayOfWeek === 0) return Math.min(rule.dayOfMonth || 1, daysInMonth)
  const isoWeekday = (day: number) => ((new Date(Date.UTC(year, rule.month - 1, day)).getUTCDay() + 6) % 7) + 1
  if (rule.operator === 1) {
    let d = daysInMonth
    while (isoWeekday(d) !== rule.dayOfWeek) d--
    return d
  }
  let d = rule.dayOfMonth > 0 ? rule.dayOfMonth : 1 + 7 * (rule.operator - 2)
  while (isoWeekday(d) !== rule.dayOfWeek) d++
  return d
}

/** Seconds east of UTC in effect at `epoch` (UTC seconds). */
export const offsetAt = (lt: LocalTime, epoch: number): number => {
  let start = decodeDstRule(lt.dstStartRule)
  let end = decodeDstRule(lt.dstEndRule)
  if (lt.dstOffset === 0) return lt.tzOffset
  if ((start === undefined || end === undefined) && lt.tzOffset <= -4 * 3600 && lt.tzOffset >= -10 * 3600) {
    // Truncated rules (SCE writes `B60E`/`B40E`) in a North American zone: the US rules are what they mean.
    start = US_START
    end = US_END
  }
  if (start === undefined || end === undefined) return lt.tzOffset
  const year = new Date((epoch + lt.tzOffset) * 1000).getUTCFullYear()
  // The start rule is in standard time, the end rule in daylight time.
  const startUtc = Date.UTC(year, start.month - 1, ruleDay(start, year)) / 1000 + start.secondsOfDay - lt.tzOffset
  const endUtc = Date.UTC(year, end.month - 1, ruleDay(end, year)) / 1000 + end.secondsOfDay - lt.tzOffset - lt.dstOffset
  const inDst = startUtc < endUtc ? epoch >= startUtc && epoch < endUtc : epoch >= startUtc || epoch < endUtc
  return inDst ? lt.tzOffset + lt.dstOffset : lt.tzOffset
}

const pad = (n: number) => String(n).padStart(2, "0")

/** `2011-03-13T03:00:00-04:00` */
export const toLocalIso = (lt: LocalTime, epoch: number): string => {
  const off = offsetAt(lt, epoch)
  const d = new Date((epoch + off) * 1000)
  const sign = off < 0 ? "-" : "+"
  const a = Math.abs(off)
  return `${d.toISOString().slice(0, 19)}${sign}${pad(Math.floor(a / 3600))}:${pad(Math.floor((a % 3600) / 60))}`
}

/** `2011-03-13` */
export const toLocalDate = (lt: LocalTime, epoch: number): string => toLocalIso(lt, epoch).slice(0, 10)

/** `2011-03-13T07:00:00Z`: an instant as summaries and messages show it. */
export const toUtcIso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace(".000Z", "Z")
