/**
 * A database moves between runtimes: every runtime's hasher verifies the
 * other runtimes' stored hashes. The foreign hashes here are made with
 * `node:crypto` (scrypt, PBKDF2, argon2id), independently of the verifiers.
 */
import { argon2Sync, pbkdf2Sync, randomBytes, scryptSync } from "node:crypto"
import { describe, expect, it } from "vitest"
import { scryptPasswords } from "../src/node/passwords.ts"
import { workersPasswords } from "../src/workers/passwords.ts"

const PASSWORD = "correct horse battery staple"
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64")
const phc = (b: Uint8Array) => b64(b).replace(/=+$/, "")

const salt = randomBytes(16)
const foreign = {
  pbkdf2: `pbkdf2-sha256$100000$${b64(salt)}$${b64(pbkdf2Sync(PASSWORD, salt, 100_000, 32, "sha256"))}`,
  // Bun.password's PHC format, at the setting the Bun entrypoint uses.
  argon2id: `$argon2id$v=19$m=19456,t=2,p=1$${phc(salt)}$${phc(argon2Sync("argon2id", { message: PASSWORD, nonce: salt, parallelism: 1, tagLength: 32, memory: 19_456, passes: 2 }))}`,
  // Node's format with a smaller N, so that the pure-JS verifier runs quickly in a test.
  scrypt: `scrypt$14$8$1$${b64(salt)}$${b64(scryptSync(PASSWORD, salt, 32, { N: 2 ** 14, r: 8, p: 1 }))}`
}

describe("password hashes move between runtimes", () => {
  it.each([["Node (scrypt)", scryptPasswords], ["Workers (PBKDF2)", workersPasswords]] as const)(
    "%s verifies every scheme's hash, and refuses a wrong password",
    async (_, hasher) => {
      for (const stored of Object.values(foreign)) {
        expect(await hasher.verify(PASSWORD, stored)).toBe(true)
        expect(await hasher.verify(`${PASSWORD}!`, stored)).toBe(false)
      }
    },
    60_000
  )

  it("the Workers hash is PBKDF2-SHA256 as node:crypto computes it", async () => {
    const stored = await workersPasswords.hash(PASSWORD)
    const [scheme, iterations, s, key] = stored.split("$")
    expect(scheme).toBe("pbkdf2-sha256")
    expect(key).toBe(b64(pbkdf2Sync(PASSWORD, Buffer.from(s!, "base64"), Number(iterations), 32, "sha256")))
    expect(await scryptPasswords.verify(PASSWORD, stored)).toBe(true)
  })

  it("refuses unknown schemes, a missing hash and iteration counts past Workers' cap", async () => {
    expect(await workersPasswords.verify(PASSWORD, null)).toBe(false)
    expect(await workersPasswords.verify(PASSWORD, `md5$${b64(salt)}`)).toBe(false)
    expect(await workersPasswords.verify(PASSWORD, foreign.pbkdf2.replace("$100000$", "$100001$"))).toBe(false)
  })
})
