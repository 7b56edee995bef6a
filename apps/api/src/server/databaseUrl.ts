/** `DATABASE_URL`: `sqlite:<path>`, `sqlite://<path>`, a plain file path, or `postgres://…` / `postgresql://…`. */
export type DatabaseTarget =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string }

export const DEFAULT_DATABASE_URL = "sqlite:./data/meterbridge.db"

export const parseDatabaseUrl = (raw: string | undefined): DatabaseTarget => {
  const url = (raw ?? "").trim() || DEFAULT_DATABASE_URL
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: "postgres", url }
  if (/^sqlite:\/\//i.test(url)) return { kind: "sqlite", path: url.slice("sqlite://".length) }
  if (/^sqlite:/i.test(url)) return { kind: "sqlite", path: url.slice("sqlite:".length) }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(`DATABASE_URL "${url.replace(/\/\/[^@/]*@/, "//***@")}" is not supported: use sqlite:<path> or postgres://…`)
  }
  return { kind: "sqlite", path: url }
}
