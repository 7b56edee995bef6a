/** The `meterbridge` CLI as operators run it: child processes against a temporary SQLite DATABASE_URL. */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { Timestamp } from "@meterbridge/core"
import * as H from "./harness.ts"
import { openStore } from "../src/node/openStore.ts"
import * as TokenSecret from "../src/shared/TokenSecret.ts"

const CLI = join(import.meta.dirname, "../src/cli.ts")
const dir = mkdtempSync(join(tmpdir(), "mb-cli-"))
const DATABASE_URL = `sqlite:${join(dir, "cli.db")}`
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL }, cwd: dir }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }))
  })

const lastLine = (s: string) => s.trimEnd().split("\n").at(-1)!

describe("meterbridge CLI", () => {
  it("creates a user and a token that authenticates against the API over the same database", async () => {
    expect((await cli("migrate")).code).toBe(0)
    const created = await cli("users", "create", "--email", "Ops@Example.com")
    expect(created.code).toBe(0)
    const token = await cli("tokens", "create", "--user", "ops@example.com", "--expires", "2099-01-01T00:00:00Z")
    expect(token.code).toBe(0)
    const secret = lastLine(token.stdout)
    expect(TokenSecret.isWellFormed(secret)).toBe(true)

    const db = await openStore({ kind: "sqlite", path: join(dir, "cli.db") })
    try {
      const h = await H.make({ store: db.store })
      const users = await (await h.request("/api/users.json", { token: secret })).json() as Array<{ email: string }>
      expect(users).toEqual([expect.objectContaining({ email: "ops@example.com" })])
      const tokens = await (await h.request("/api/tokens.json", { token: secret })).json() as Array<{ uid: string; expires: string }>
      expect(tokens[0]!.expires).toBe("2099-01-01T00:00:00.000000+00:00")

      const list = await cli("tokens", "list", "--user", "ops@example.com")
      expect(list.code).toBe(0)
      expect(list.stdout).toContain(tokens[0]!.uid)
      expect(list.stdout).not.toContain(secret)
      const all = await cli("tokens", "list")
      expect(all.code).toBe(0)
      expect(all.stdout).toContain(`${tokens[0]!.uid}\tops@example.com\tapi`)

      const expire = await cli("tokens", "expire", tokens[0]!.uid)
      expect(expire.code).toBe(0)
      // Expired by another process: the server's one-second token cache lets it lapse within a second.
      h.clock.now = Date.now() + 1_001
      expect((await h.request("/api/users.json", { token: secret })).status).toBe(401)
    } finally {
      await db.close()
    }
  })

  it("mints invites that sign up one user, and sets registrations the API shows", async () => {
    await cli("users", "create", "--email", "reg@example.com")
    const secret = lastLine((await cli("tokens", "create", "--user", "reg@example.com")).stdout)
    const invite = await cli("invites", "create")
    expect(invite.code).toBe(0)
    const code = lastLine(invite.stdout)
    expect(code).toMatch(/^mbi_/)
    const set = await cli("registrations", "set", "--user", "reg@example.com", "--utility", "SMT", "--status", "live")
    expect(set.code).toBe(0)
    expect((await cli("registrations", "list", "--user", "reg@example.com")).stdout).toContain("reg@example.com\tSMT\tlive")
    expect((await cli("registrations", "list")).stdout).toContain("reg@example.com\tSMT\tlive")
    // Without --user: every user's tokens, users in sign-up order.
    const all = (await cli("tokens", "list")).stdout
    expect(all.indexOf("\tops@example.com\t")).toBeGreaterThan(0)
    expect(all.indexOf("\treg@example.com\t")).toBeGreaterThan(all.indexOf("\tops@example.com\t"))

    const db = await openStore({ kind: "sqlite", path: join(dir, "cli.db") })
    try {
      const h = await H.make({ store: db.store })
      const regs = await (await h.request("/api/registrations.json", { token: secret })).json()
      expect(regs).toEqual([expect.objectContaining({ utility: "SMT", status: "live" })])
      const form = await h.request("/api/users/new.json")
      const cookie = form.headers.get("set-cookie")!.split(";")[0]!
      const { csrf_token } = (await form.json()) as { csrf_token: string }
      const body = { invite: code, email: "new@example.com", password: "a long enough password", password_confirm: "a long enough password", csrf_token }
      expect((await h.request("/api/users/new.json", { method: "POST", headers: { Cookie: cookie }, form: body })).status).toBe(200)
      const hash = await import("../src/shared/Invites.ts").then((m) => m.hash(code))
      expect(await Effect.runPromise(db.store.redeemInvite(hash, "someone", Timestamp.fromMillis(Date.now())))).toBe(false)
    } finally {
      await db.close()
    }
  })

  // Independent child processes: run them side by side.
  it.concurrent.each([
    [["users", "create"], 2, "--email is required"],
    [["users", "create", "--email", "not-an-email"], 2, "not an email address"],
    [["tokens", "create", "--user", "nobody@example.com"], 1, "No user with email nobody@example.com"],
    [["tokens", "create", "--user", "ops@example.com", "--expires", "tomorrow"], 2, "not an ISO 8601 timestamp"],
    [["tokens", "expire", "nope"], 1, "No token with uid nope"],
    [["registrations", "set", "--user", "ops@example.com", "--utility", "SMT", "--status", "maybe"], 2, "--status must be"],
    [["frobnicate"], 2, "unknown command"],
    [["users", "create", "--email", "ops@example.com"], 1, "already exists"],
    [["users", "create", "--emial", "x@example.com"], 2, "Unknown option"]
  ])("meterbridge %j exits %i with a clear error", async (args, code, message) => {
    const res = await cli(...args)
    expect(res.code).toBe(code)
    expect(res.stderr).toContain(message)
  })
})
