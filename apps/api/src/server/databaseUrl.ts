/** `DATABASE_URL`: `sqlite:<path>`, `sqlite://<path>`, a plain file path, or `postgres://…` / `postgresql://…`. */
export type DatabaseTarget =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string }

export const DEFAULT_DATABASE_URL = "sqlite:./data/meterbridge.db"

export const parseDatabaseUrl = (raw: string | undefined): DatabaseTarget => {
  const url = (raw ?? "").trim() || DEFAULT_DATABASE_URL
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: "postgres", url }
  const sqlite = /^sqlite:\/\//i.test(url) ? url.slice("sqlite://".length) : /^sqlite:/i.test(url) ? url.slice("sqlite:".length) : undefined
  if (sqlite !== undefined) {
    if (sqlite.trim() === "") throw new Error(`DATABASE_URL "${url}" names no file: use sqlite:<path>, e.g. sqlite:./data/meterbridge.db`)
    return { kind: "sqlite", path: sqlite }
  }
  // Any other scheme (`file:`, `mysql://`…) is refused: read as a path it would create a folder named after the scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(url)) {
    throw new Error(`DATABASE_URL "${url.replace(/\/\/[^@/]*@/, "//***@")}" is not supported: use sqlite:<path>, a plain file path, or postgres://…`)
  }
  return { kind: "sqlite", path: url }
}
