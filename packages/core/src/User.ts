import { Schema } from "effect"
import { Timestamp } from "./Timestamp.ts"

/** The API's User object; `password` is always the literal "****". */
export const User = Schema.Struct({
  uid: Schema.String,
  email: Schema.String,
  password: Schema.Literal("****"),
  created: Timestamp
})
export type User = typeof User.Type

export const csvColumns = ["uid", "email", "password", "created"] as const
