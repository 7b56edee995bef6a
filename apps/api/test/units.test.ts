import { describe, expect, it } from "vitest"
import * as ConfirmationCode from "../src/shared/ConfirmationCode.ts"
import * as Csrf from "../src/shared/Csrf.ts"
import { presentedToken } from "../src/shared/auth.ts"
import * as RateLimit from "../src/shared/rateLimit.ts"
import * as Settings from "../src/server/settings.ts"
import * as AppCollectors from "../src/server/adapters.ts"
import { parseDatabaseUrl } from "../src/server/databaseUrl.ts"
import * as Passwords from "../src/node/passwords.ts"

describe("confirmation codes (signer)", () => {
  const key = crypto.getRandomValues(new Uint8Array(32))
  const signer = ConfirmationCode.make(key)
  const expected = { user: "u1", action: "delete_account" as const, object: "a1", nowMs: 1_000, getUrl: "/api/accounts/a1/delete" }

  it("accepts the genuine code and rejects every single-character change of it", async () => {
    const { code } = await signer.issue("u1", "delete_account", "a1", 1_000)
    await expect(signer.verify(code, expected)).resolves.toMatchObject({ expiresMs: 1_000 + ConfirmationCode.TTL_MS })
    // Every base64url character: a change in the spare bits of the last one must fail too.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    let rejected = 0
    for (let i = 0; i < code.length; i++) {
      for (const ch of alphabet) {
        if (code[i] === ch) continue
        const mutated = code.slice(0, i) + ch + code.slice(i + 1)
        await expect(signer.verify(mutated, expected)).rejects.toMatchObject({ status: 400 })
        rejected++
      }
    }
    expect(rejected).toBe(code.length * (alphabet.length - 1))
  })

  it("rejects a code signed with another key, and one that is expired by a microsecond", async () => {
    const other = await ConfirmationCode.make(crypto.getRandomValues(new Uint8Array(32))).issue("u1", "delete_account", "a1", 1_000)
    await expect(signer.verify(other.code, expected)).rejects.toMatchObject({ code: "invalid_code" })
    const { code, expiresMs } = await signer.issue("u1", "delete_account", "a1", 1_000)
    await expect(signer.verify(code, { ...expected, nowMs: expiresMs })).rejects.toMatchObject({ code: "code_expired" })
    await expect(signer.verify(code, { ...expected, nowMs: expiresMs - 1 })).resolves.toBeDefined()
  })
})

describe("rate limiter", () => {
  it("lets at most `limit` requests through in any window, and each key separately", () => {
    let now = 0
    const limiter = RateLimit.make(50, () => now)
    const allowedAt: Array<number> = []
    for (let i = 0; i < 200; i++) {
      now = i * 5 // 200 requests in one second
      if (limiter.hit("a") === undefined) allowedAt.push(now)
    }
    expect(allowedAt.length).toBe(50)
    for (let i = 0; i + 50 < allowedAt.length; i++) expect(allowedAt[i + 50]! - allowedAt[i]!).toBeGreaterThanOrEqual(1000)
    expect(limiter.hit("b")).toBeUndefined()
    now = 1_000
    expect(limiter.peek("a")).toBeUndefined()
    expect(limiter.hit("a")).toBeUndefined()
  })

  it("keeps an active key's window while a flood of new keys passes through", () => {
    let now = 0
    const limiter = RateLimit.make(5, () => now, 60_000)
    for (let i = 0; i < 5; i++) expect(limiter.hit("victim-abuser")).toBeUndefined()
    expect(limiter.hit("victim-abuser")).toBeDefined()
    // 10,000 distinct keys (random tokens) used to clear the whole map, and with it this key's window.
    for (let i = 0; i < 30_000; i++) {
      limiter.hit(`random-${i}`)
      if (i % 1000 === 0) expect(limiter.hit("victim-abuser")).toBeDefined()
    }
    expect(limiter.hit("victim-abuser")).toBeDefined()
    now = 60_000
    expect(limiter.hit("victim-abuser")).toBeUndefined()
  })

  it("refuses an unbounded limit", () => {
    expect(() => RateLimit.make(1e9, () => 0)).toThrow(RangeError)
  })
})

describe("token transport parsing", () => {
  it.each([
    ["http://x/api?access_token=abc", undefined, "abc"],
    ["http://x/api", "Token abc", "abc"],
    ["http://x/api", "token   abc  ", "abc"],
    ["http://x/api", "Bearer abc", "abc"],
    ["http://x/api", `Basic ${btoa("abc:")}`, "abc"],
    ["http://x/api", `Basic ${btoa("abc")}`, "abc"],
    ["http://x/api?access_token=abc", "Token abc", "abc"],
    ["http://x/api", undefined, undefined]
  ])("%s with Authorization %s presents %s", (url, header, token) => {
    expect(presentedToken(url, header)).toBe(token)
  })

  it.each([
    ["http://x/api?access_token=abc&access_token=def", undefined, 400],
    ["http://x/api?access_token=abc", "Token def", 400],
    ["http://x/api", "Basic %%%", 401],
    ["http://x/api", `Basic ${btoa(":secret")}`, 401],
    ["http://x/api", "Negotiate abc", 401],
    ["http://x/api?access_token=", undefined, 401]
  ])("%s with Authorization %s is refused with %i", (url, header, status) => {
    expect(() => presentedToken(url, header)).toThrow(expect.objectContaining({ status }))
  })
})

describe("CSRF tokens", () => {
  it("need the cookie and the field to match and to carry this server's signature", async () => {
    const csrf = Csrf.make(crypto.getRandomValues(new Uint8Array(32)))
    const other = Csrf.make(crypto.getRandomValues(new Uint8Array(32)))
    const t = await csrf.issue()
    expect(await csrf.check(t, t)).toBe(true)
    expect(await csrf.check(t, undefined)).toBe(false)
    expect(await csrf.check(undefined, t)).toBe(false)
    const t2 = await csrf.issue()
    expect(await csrf.check(t, t2)).toBe(false)
    const foreign = await other.issue()
    expect(await csrf.check(foreign, foreign)).toBe(false)
  })
})

describe("passwords", () => {
  it("hash with a salt and verify only the right password", async () => {
    const a = await Passwords.hash("correct horse battery")
    const b = await Passwords.hash("correct horse battery")
    expect(a).not.toBe(b)
    expect(await Passwords.verify("correct horse battery", a)).toBe(true)
    expect(await Passwords.verify("correct horse batterY", a)).toBe(false)
    expect(await Passwords.verify("anything", null)).toBe(false)
    expect(await Passwords.verify("anything", "md5$abc")).toBe(false)
  })
})

describe("DATABASE_URL", () => {
  it.each([
    [undefined, { kind: "sqlite", path: "./data/meterbridge.db" }],
    ["", { kind: "sqlite", path: "./data/meterbridge.db" }],
    ["sqlite:/var/lib/mb.db", { kind: "sqlite", path: "/var/lib/mb.db" }],
    ["sqlite:///var/lib/mb.db", { kind: "sqlite", path: "/var/lib/mb.db" }],
    ["./x.db", { kind: "sqlite", path: "./x.db" }],
    ["postgres://u:p@h/db", { kind: "postgres", url: "postgres://u:p@h/db" }],
    ["postgresql://h/db", { kind: "postgres", url: "postgresql://h/db" }]
  ])("%s → %j", (raw, target) => {
    expect(parseDatabaseUrl(raw)).toEqual(target)
  })

  it("refuses other schemes without echoing a password", () => {
    expect(() => parseDatabaseUrl("mysql://root:hunter2@h/db")).toThrow(/not supported/)
    expect(() => parseDatabaseUrl("mysql://root:hunter2@h/db")).not.toThrow(/hunter2/)
  })
})

describe("settings", () => {
  it("refuses DATABASE_URL=file:… (it used to become a folder named file:) and names every bad variable at once", () => {
    let error: unknown
    try {
      Settings.read({ DATABASE_URL: "file:/tmp/x.db", PORT: "80a", METERBRIDGE_TEST_MODE: "maybe", METERBRIDGE_TRUSTED_PROXIES: "proxy.local" })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(Settings.SettingsError)
    const problems = (error as Settings.SettingsError).problems.join("\n")
    expect(problems).toMatch(/DATABASE_URL "file:\/tmp\/x.db" is not supported/)
    expect(problems).toMatch(/PORT must be a whole number/)
    expect(problems).toMatch(/METERBRIDGE_TEST_MODE must be true or false/)
    expect(problems).toMatch(/METERBRIDGE_TRUSTED_PROXIES/)
  })

  it("reads test mode, trusted proxies and worker settings", () => {
    const s = Settings.read({ METERBRIDGE_TEST_MODE: "off", METERBRIDGE_TRUSTED_PROXIES: "10.0.0.1, ::ffff:127.0.0.1", METERBRIDGE_WORKER_CONCURRENCY: "0" })
    expect(s.testMode).toBe(false)
    expect([...s.trustedProxies]).toEqual(["10.0.0.1", "127.0.0.1"])
    expect(s.worker.concurrency).toBe(0)
    expect(Settings.read({}).testMode).toBe(true)
  })

  it("without test mode, no sandbox is mounted and utilities without credentials are not served (DEMO still is)", () => {
    const registered = AppCollectors.build({ publicBaseUrl: "http://x.test", env: {}, testMode: false })
    expect(registered.map((r) => r.collector.info.utility)).toEqual(["DEMO"])
    expect(AppCollectors.mounts(registered, false)).toEqual({})
  })
})

describe("identityMemo", () => {
  it("answers the remembered value only for the very same inputs, and recomputes when any one changes", async () => {
    const { identityMemo } = await import("../src/shared/identityMemo.ts")
    let computed = 0
    const json = identityMemo((record: { readonly n: number }, email: string) => {
      computed++
      return JSON.stringify({ ...record, email })
    }, 2)
    const v1 = { n: 1 }
    expect(json("a", v1, "x@example.com")).toBe('{"n":1,"email":"x@example.com"}')
    expect(json("a", v1, "x@example.com")).toBe('{"n":1,"email":"x@example.com"}')
    expect(computed).toBe(1)
    // A new record with equal content is another version: recomputed, never assumed equal.
    expect(json("a", { n: 2 }, "x@example.com")).toBe('{"n":2,"email":"x@example.com"}')
    expect(json("a", { n: 2 }, "y@example.com")).toBe('{"n":2,"email":"y@example.com"}')
    expect(computed).toBe(3)
    // Bounded: past its size it starts over rather than growing.
    json("b", v1, "x"), json("c", v1, "x"), json("a", v1, "x@example.com")
    expect(computed).toBe(6)
  })
})
