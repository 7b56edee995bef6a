/**
 * The few Bun APIs the Bun entrypoint uses, declared here rather than through
 * `@types/bun`, whose globals would also apply to (and clash with) the Node
 * and Workers code typechecked in the same program.
 */
declare module "bun:sqlite" {
  export interface Changes { readonly changes: number; readonly lastInsertRowid: number | bigint }
  export class Statement {
    readonly columnNames: ReadonlyArray<string>
    /** SQLite's `sqlite3_stmt_readonly` (true for `select`, and for `begin`/`commit`/`rollback`). */
    readonly readonly: boolean
    /** The first row, or null when there is none. */
    get(...params: ReadonlyArray<unknown>): unknown
    all(...params: ReadonlyArray<unknown>): Array<unknown>
    run(...params: ReadonlyArray<unknown>): Changes
    iterate(...params: ReadonlyArray<unknown>): IterableIterator<unknown>
    finalize(): void
  }
  export class Database {
    constructor(path: string, options?: { readonly create?: boolean; readonly readwrite?: boolean; readonly strict?: boolean })
    prepare(sql: string): Statement
    exec(sql: string): void
    close(): void
  }
}

interface BunServer {
  readonly port: number
  stop(closeActiveConnections?: boolean): Promise<void>
  /** The peer of a request this server received; null for a Unix socket or a closed connection. */
  requestIP(request: Request): { readonly address: string; readonly family: string; readonly port: number } | null
}

declare const Bun: {
  readonly env: Record<string, string | undefined>
  serve(options: {
    readonly port: number
    readonly hostname: string
    /** Bodies above this are refused by Bun itself (its default is 128 MiB). */
    readonly maxRequestBodySize?: number
    readonly fetch: (request: Request) => Response | Promise<Response>
  }): BunServer
  file(path: string): { text(): Promise<string>; exists(): Promise<boolean> }
  readonly password: {
    hash(password: string, options: { readonly algorithm: "argon2id"; readonly memoryCost: number; readonly timeCost: number }): Promise<string>
    verify(password: string, hash: string): Promise<boolean>
  }
}
