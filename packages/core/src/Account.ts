import { Schema } from "effect"
import { Log } from "./Log.ts"
import { Timestamp } from "./Timestamp.ts"

export const AuthType = Schema.Literals(["owner", "3rdparty"])
export type AuthType = typeof AuthType.Type

/** The API's Account object. `latest` is left out of CSV. */
export const Account = Schema.Struct({
  uid: Schema.String,
  user_uid: Schema.String,
  utility: Schema.String,
  created: Timestamp,
  auth_type: AuthType,
  auth: Schema.String,
  auth_expires: Schema.NullOr(Timestamp),
  login: Schema.String,
  latest: Schema.optionalKey(Log),
  /** Meterbridge extension: where the customer approves access, while that is pending (Green Button Connect). */
  authorization_url: Schema.optionalKey(Schema.String)
})
export type Account = typeof Account.Type

export const csvColumns = ["uid", "user_uid", "utility", "created", "auth_type", "auth", "auth_expires", "login"] as const
