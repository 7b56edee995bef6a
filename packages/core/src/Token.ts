import { Schema } from "effect"
import { Timestamp } from "./Timestamp.ts"

export const TokenType = Schema.Literals(["api", "widget", "referral", "admin", "browser"])
export type TokenType = typeof TokenType.Type

/** The API's Token object. The secret itself is shown once, at creation, and stored only as a hash. */
export const Token = Schema.Struct({
  uid: Schema.String,
  type: TokenType,
  created: Timestamp,
  expires: Schema.NullOr(Timestamp),
  user_uid: Schema.String,
  request_count: Schema.Int,
  signup_count: Schema.Int
})
export type Token = typeof Token.Type

export const csvColumns = ["uid", "type", "created", "expires", "user_uid", "request_count", "signup_count"] as const
