import { Schema } from "effect"

export interface Doc {
  readonly type: "section"
  readonly title: string
  readonly anchor: string
  readonly contents: ReadonlyArray<string | Doc>
}

/** The API's documentation object: a tree of sections whose strings are markdown. */
export const Doc: Schema.Codec<Doc> = Schema.Struct({
  type: Schema.Literal("section"),
  title: Schema.String,
  anchor: Schema.String,
  contents: Schema.Array(Schema.Union([Schema.String, Schema.suspend((): Schema.Codec<Doc> => Doc)]))
})
