import { Schema } from "effect"

/** A field of a command's input that breaks a rule; every surface names the field in its own error format. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  field: Schema.String,
  message: Schema.String
}) {}
