import { Schema } from "effect"
import { Timestamp } from "./Timestamp.ts"

export const LogType = Schema.Literals(["pending", "updated", "error"])
export type LogType = typeof LogType.Type

/** The `latest` of accounts and services: what collection is doing, has done, or failed with. */
export const Log = Schema.Struct({
  type: LogType,
  message: Schema.String,
  timestamp: Timestamp
})
export type Log = typeof Log.Type
