/**
 * Node's password hash: scrypt from `node:crypto` (N = 2^17, r = 8, p = 1, the
 * OWASP Password Storage minimum), a 16-byte random salt, stored as a
 * self-describing string `scrypt$17$8$1$<salt b64>$<hash b64>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import type { PasswordHasher } from "../shared/Passwords.ts"
import { portable } from "../shared/passwords/schemes.ts"

const KEY_LENGTH = 32

const derive = (password: string, salt: Buffer, logN: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** 20 }, (err, key) =>
      err ? reject(err) : resolve(key))
  )

export const hash = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, 17, 8, 1)
  return `scrypt$17$8$1$${salt.toString("base64")}$${key.toString("base64")}`
}

export const verify = async (password: string, stored: string | null): Promise<boolean> => {
  if (stored === null) return false
  const [scheme, logN, r, p, salt, key] = stored.split("$")
  if (scheme !== "scrypt" || !logN || !r || !p || !salt || !key) return false
  const expected = Buffer.from(key, "base64")
  const actual = await derive(password, Buffer.from(salt, "base64"), Number(logN), Number(r), Number(p))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Hashes with scrypt; verifies any runtime's stored hash (see shared/passwords/schemes.ts). */
export const scryptPasswords: PasswordHasher = portable({ hash, verify }, "scrypt")
