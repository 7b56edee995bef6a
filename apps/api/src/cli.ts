/**
 * `meterbridge` (root: `pnpm meterbridge …`): operator commands against the
 * Store at `DATABASE_URL`. Users, API tokens, invites, utility registrations,
 * migrations. Errors go to stderr with exit code 1 (2 for usage).
 */
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { Billing, Ids, Store, Timestamp } from "@meterbridge/core"
import * as Invites from "./shared/Invites.ts"
import { parseDatabaseUrl } from "./server/databaseUrl.ts"
import { openStore } from "./node/openStore.ts"
import type { OpenedStore } from "./server/storeOps.ts"
import * as Passwords from "./shared/Passwords.ts"
import { scryptPasswords } from "./node/passwords.ts"
import * as Settings from "./server/settings.ts"
import * as Tokens from "./shared/Tokens.ts"

const USAGE = `Usage: meterbridge <command> [options]

  users create --email <email> [--password <password>]
  users set-password --user <email>                       reads the new password from standard input (dashboard sign-in)
  tokens create --user <email> [--expires <ISO 8601>]   prints the new token alone on the last line
  tokens list [--user <email>]
  tokens expire <token uid>
  invites create [--expires <ISO 8601>]                   prints the invite code
  registrations set --user <email> --utility <ID> --status pending|live
  registrations list [--user <email>]
  balance credit --user <email> --amount <dollars>         adds to the user's prepaid balance (negative to correct)
  balance show --user <email>
  migrate
  serve                                                   the API (as pnpm start), with collection loops unless METERBRIDGE_WORKER_CONCURRENCY=0
  worker                                                  collection loops only, ops endpoints on METERBRIDGE_WORKER_OPS_PORT (9464)

The database is DATABASE_URL (default sqlite:./data/meterbridge.db).`

class UsageError extends Error {}
class CommandError extends Error {}

const out = (line: string) => process.stdout.write(line + "\n")

const required = (values: Record<string, unknown>, name: string): string => {
  const v = values[name]
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`)
  return v.trim()
}

const timestampOption = (values: Record<string, unknown>, name: string): Timestamp.Micros | undefined => {
  const v = values[name]
  if (v === undefined) return undefined
  const t = Timestamp.parse(String(v))
  if (t === undefined) throw new UsageError(`--${name} "${v}" is not an ISO 8601 timestamp (e.g. 2030-01-01T00:00:00Z)`)
  return t
}

const run = <A, E>(db: OpenedStore, effect: (store: Store.StoreShape) => Effect.Effect<A, E, Store.Store>) =>
  Effect.runPromise(Effect.provideService(effect(db.store), Store.Store, db.store))

const userByEmail = async (db: OpenedStore, email: string) => {
  const user = await run(db, (s) => s.findUserByEmail(email.toLowerCase()))
  if (!user) throw new CommandError(`No user with email ${email}`)
  return user
}

const fmt = (t: Timestamp.Micros | null) => (t === null ? "never" : Timestamp.format(t))

const commands: Record<string, (args: Array<string>, db: () => Promise<OpenedStore>) => Promise<void>> = {
  "users create": async (args, open) => {
    const { values } = parseArgs({ args, options: { email: { type: "string" }, password: { type: "string" } } })
    const email = required(values, "email").toLowerCase()
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email "${email}" is not an email address`)
    let password_hash: string | null = null
    if (values.password !== undefined) {
      const weak = Passwords.weakness(values.password)
      if (weak) throw new UsageError(weak)
      password_hash = await scryptPasswords.hash(values.password)
    }
    const db = await open()
    const user: Store.UserRecord = { uid: Ids.newUid(), email, password_hash, created: Timestamp.fromMillis(Date.now()) }
    await Effect.runPromise(db.store.createUser(user).pipe(
      Effect.catchTag("Conflict", () => Effect.fail(new CommandError(`A user with email ${email} already exists`)))
    ))
    out(`Created user ${user.uid} <${email}>`)
  },
  "users set-password": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" } } })
    const email = required(values, "user")
    // Standard input, not an option: a password in argv shows in `ps` and shell history.
    const chunks: Array<Buffer> = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "")
    const weak = Passwords.weakness(password)
    if (weak) throw new UsageError(`${weak} (read from standard input)`)
    const db = await open()
    const user = await userByEmail(db, email)
    const password_hash = await scryptPasswords.hash(password)
    await run(db, (s) => s.updateUser(user.uid, { password_hash }))
    // A new password lifts a lockout.
    await run(db, (s) => s.clearLoginFailures(user.email))
    out(`Set the password of ${user.email}`)
  },
  "tokens create": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" }, expires: { type: "string" } } })
    const email = required(values, "user")
    const expires = timestampOption(values, "expires")
    const db = await open()
    const user = await userByEmail(db, email)
    const { record, secret } = await run(db, () => Tokens.create(user.uid, { now: Timestamp.fromMillis(Date.now()), expires: expires ?? null }))
    out(`Created API token ${record.uid} for ${user.email} (expires: ${fmt(record.expires)}). The secret is shown once:`)
    out(secret)
  },
  "tokens list": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" } } })
    const db = await open()
    const users = values.user === undefined ? await run(db, (s) => s.listUsers) : [await userByEmail(db, values.user)]
    out(["uid", "user", "type", "created", "expires", "request_count"].join("\t"))
    for (const user of users) {
      for (const t of await run(db, (s) => s.listTokens(user.uid))) {
        out([t.uid, user.email, t.type, fmt(t.created), fmt(t.expires), String(t.request_count)].join("\t"))
      }
    }
  },
  "tokens expire": async (args, open) => {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
    const uid = positionals[0]
    if (!uid || positionals.length > 1) throw new UsageError("tokens expire takes one token uid")
    const db = await open()
    const token = await run(db, (s) => s.getToken(uid))
    if (!token) throw new CommandError(`No token with uid ${uid}`)
    await run(db, (s) => s.updateTokenExpiry(uid, Timestamp.fromMillis(Date.now())))
    out(`Expired token ${uid}`)
  },
  "invites create": async (args, open) => {
    const { values } = parseArgs({ args, options: { expires: { type: "string" } } })
    const expires = timestampOption(values, "expires")
    const db = await open()
    const code = Invites.generate()
    const codeHash = await Invites.hash(code)
    await run(db, (s) => s.createInvite(codeHash, Timestamp.fromMillis(Date.now()), expires ?? null))
    out(`Created an invite (single use, expires: ${fmt(expires ?? null)}). The code is shown once:`)
    out(code)
  },
  "registrations set": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" }, utility: { type: "string" }, status: { type: "string" } } })
    const email = required(values, "user")
    const utility = required(values, "utility")
    const status = required(values, "status")
    if (status !== "pending" && status !== "live") throw new UsageError(`--status must be "pending" or "live", got "${status}"`)
    const db = await open()
    const user = await userByEmail(db, email)
    await run(db, (s) => s.setRegistration(user.uid, utility, status))
    out(`Registration of ${user.email} with ${utility}: ${status}`)
  },
  "registrations list": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" } } })
    const db = await open()
    const users = values.user === undefined ? await run(db, (s) => s.listUsers) : [await userByEmail(db, values.user)]
    out(["user", "utility", "status"].join("\t"))
    for (const user of users) {
      for (const r of await run(db, (s) => s.listRegistrations(user.uid))) out([user.email, r.utility, r.status].join("\t"))
    }
  },
  "balance credit": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" }, amount: { type: "string" } } })
    const email = required(values, "user")
    const amountText = required(values, "amount")
    const amount = Billing.parseDollars(amountText)
    if (amount === undefined || amount === 0) throw new UsageError(`--amount must be dollars like 25 or 12.50, got "${amountText}"`)
    const db = await open()
    const user = await userByEmail(db, email)
    await run(db, (s) =>
      s.addLedgerEntry({ user_uid: user.uid, ts: Timestamp.fromMillis(Date.now()), amount, description: "Credit by the operator", ref: null }))
    out(`Credited $${Billing.toDollars(amount).toFixed(2)} to ${user.email}; balance: $${Billing.toDollars(await run(db, (s) => s.balance(user.uid))).toFixed(2)}`)
  },
  "balance show": async (args, open) => {
    const { values } = parseArgs({ args, options: { user: { type: "string" } } })
    const db = await open()
    const user = await userByEmail(db, required(values, "user"))
    out(`${user.email}: $${Billing.toDollars(await run(db, (s) => s.balance(user.uid))).toFixed(2)}`)
    for (const l of await run(db, (s) => s.listLedger(user.uid))) out([fmt(l.ts), Billing.toDollars(l.amount).toFixed(6), l.description].join("\t"))
  },
  migrate: async (_args, open) => {
    const db = await open()
    await db.migrate()
    out(`Migrated ${db.describe}`)
  }
}

const main = async (argv: Array<string>): Promise<number | undefined> => {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    out(USAGE)
    return argv.length === 0 ? 2 : 0
  }
  if (argv[0] === "worker" || argv[0] === "serve") {
    if (argv.length > 1) {
      process.stderr.write(`meterbridge: ${argv[0]} takes no arguments (settings come from the environment)\n\n${USAGE}\n`)
      return 2
    }
    // Long-running: the process ends through its lifecycle (SIGTERM/SIGINT), not by returning.
    try {
      const settings = Settings.read(process.env)
      // Loaded only here: the HTTP app, logger and metrics are not needed by one-shot commands.
      const [{ runApi, runWorker }, { nodeRuntime }] = await Promise.all([import("./node/processes.ts"), import("./node/runtime.ts")])
      await (argv[0] === "worker" ? runWorker : runApi)(nodeRuntime, settings, process.env)
      return undefined
    } catch (e) {
      process.stderr.write(`meterbridge: cannot start: ${e instanceof Error ? e.message : String(e)}\n`)
      return 1
    }
  }
  const key = argv[0] === "migrate" ? "migrate" : `${argv[0]} ${argv[1] ?? ""}`
  const command = commands[key]
  if (!command) {
    process.stderr.write(`meterbridge: unknown command "${argv.slice(0, 2).join(" ")}"\n\n${USAGE}\n`)
    return 2
  }
  let db: OpenedStore | undefined
  const open = async () => {
    db = await openStore(parseDatabaseUrl(process.env["DATABASE_URL"]))
    await db.migrate()
    return db
  }
  try {
    await command(argv.slice(key === "migrate" ? 1 : 2), open)
    return 0
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    const message = e instanceof Error ? e.message : String(e)
    process.stderr.write(`meterbridge: ${message}\n${usage ? `\n${USAGE}\n` : ""}`)
    return usage ? 2 : 1
  } finally {
    await db?.close()
  }
}

const code = await main(process.argv.slice(2))
if (code !== undefined) process.exitCode = code
