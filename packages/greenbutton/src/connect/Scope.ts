/**
 * The Green Button Connect "Function Block" scope string the third party asks for and the Data Custodian grants:
 * `FB=1_3_4_5_13_14;IntervalDuration=900_3600;BlockDuration=daily;HistoryLength=63072000[;BR=<BulkId>]`.
 * Utilities append their own terms (PG&E `MinAuthEndDate`, `PreferredAuthEndDate`), kept in `extra` in order.
 */
import { Result, Schema } from "effect"

export interface Scope {
  /** Green Button function blocks (1 common, 3 Connect My Data, 4 interval, 5 electricity interval, 13/14 usage summary …). */
  readonly functionBlocks: ReadonlyArray<number>
  /** Interval lengths asked for, seconds. */
  readonly intervalDurations: ReadonlyArray<number>
  /** `daily` or `monthly` IntervalBlocks; several with `_`. */
  readonly blockDuration: ReadonlyArray<string>
  /** How much history the authorization covers, seconds. */
  readonly historyLength: number
  /** Bulk request id (`BR`), only for bulk scopes. */
  readonly bulkId?: string
  readonly extra?: ReadonlyArray<readonly [string, string]>
}

export class InvalidScope extends Schema.TaggedError<InvalidScope>()("InvalidScope", {
  scope: Schema.String,
  message: Schema.String
}) {}

const positiveInts = (value: string) => value.split("_").map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN))

const checkToken = (key: string, value: string) => {
  if (!/^[A-Za-z0-9_.:-]+$/.test(value)) throw new Error(`${key} value "${value}" has a character the scope grammar forbids`)
}

/** Writes a scope string; throws on values the grammar cannot carry (a `;` or `=` inside a value). */
export const format = (scope: Scope): string => {
  if (scope.functionBlocks.length === 0) throw new Error("a scope needs at least one function block")
  const parts: Array<[string, string]> = [
    ["FB", scope.functionBlocks.join("_")],
    ["IntervalDuration", scope.intervalDurations.join("_")],
    ["BlockDuration", scope.blockDuration.join("_")],
    ["HistoryLength", String(scope.historyLength)]
  ]
  if (scope.bulkId !== undefined) parts.push(["BR", scope.bulkId])
  for (const [k, v] of scope.extra ?? []) parts.push([k, v])
  for (const [k, v] of parts) checkToken(k, v)
  return parts.filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).join(";")
}

const KNOWN = new Set(["FB", "IntervalDuration", "BlockDuration", "HistoryLength", "BR"])

/** Reads a scope string as a Data Custodian receives it (order of terms free, `FB` required). */
export const parse = (input: string): Result.Result<Scope, InvalidScope> => {
  const fail = (message: string) => Result.fail(new InvalidScope({ scope: input, message }))
  const terms = new Map<string, string>()
  const extra: Array<readonly [string, string]> = []
  for (const term of input.trim().split(";")) {
    if (term === "") continue
    const eq = term.indexOf("=")
    if (eq <= 0) return fail(`"${term}" is not a key=value term`)
    const key = term.slice(0, eq).trim()
    const value = term.slice(eq + 1).trim()
    if (terms.has(key)) return fail(`${key} appears twice`)
    terms.set(key, value)
    if (!KNOWN.has(key)) extra.push([key, value])
  }
  const fb = terms.get("FB")
  if (fb === undefined || fb === "") return fail("the scope has no FB (function block) term")
  const functionBlocks = positiveInts(fb)
  if (functionBlocks.some(Number.isNaN)) return fail(`FB "${fb}" must be numbers joined by "_"`)
  const durations = terms.get("IntervalDuration")
  const intervalDurations = durations === undefined || durations === "" ? [] : positiveInts(durations)
  if (intervalDurations.some((d) => Number.isNaN(d) || d <= 0)) {
    return fail(`IntervalDuration "${durations}" must be positive seconds joined by "_"`)
  }
  const history = terms.get("HistoryLength")
  const historyLength = history === undefined ? 0 : /^\d+$/.test(history) ? Number(history) : Number.NaN
  if (Number.isNaN(historyLength)) return fail(`HistoryLength "${history}" must be whole seconds`)
  const block = terms.get("BlockDuration")
  const bulkId = terms.get("BR")
  return Result.succeed({
    functionBlocks,
    intervalDurations,
    blockDuration: block === undefined || block === "" ? [] : block.split("_"),
    historyLength,
    ...(bulkId === undefined ? {} : { bulkId }),
    ...(extra.length === 0 ? {} : { extra })
  })
}

/**
 * Function blocks a residential Connect My Data subscription asks for: 1 common, 3 Connect My Data, 4 interval metering,
 * 5 electricity interval, 13 security and privacy, 14 OAuth, 15–16 usage summaries (bills).
 */
export const RESIDENTIAL_FUNCTION_BLOCKS: ReadonlyArray<number> = [1, 3, 4, 5, 13, 14, 15, 16]

/** Two years, the history most California utilities grant a new subscription. */
export const TWO_YEARS_SECONDS = 2 * 365 * 86_400
