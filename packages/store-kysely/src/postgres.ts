/** Opens a PostgreSQL connection pool for the Store (`pg`). */
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import type { Database } from "./Database.ts"

/** A Kysely over a `pg` pool for `url`; extra pool settings (size, `options: "-c search_path=…"`) pass through. */
export const openPostgres = (url: string, config: pg.PoolConfig = {}): Kysely<Database> =>
  new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, ...config }) }) })
