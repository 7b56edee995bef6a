/**
 * Every stored password hash is self-describing, so a database moves between
 * runtimes: Node writes `scrypt$…`, Bun `$argon2id$…` (PHC), Workers
 * `pbkdf2-sha256$…`. Each runtime hashes with its own scheme and verifies
 * any of them: PBKDF2 through Web Crypto (every runtime has it), scrypt and
 * argon2id in pure JS (`@noble/hashes`) when the runtime's native one is not
 * the verifier. The pure-JS fallbacks are slow (a second or so) but run only
 * for hashes written by another runtime.
 */
import { argon2idAsync } from "@noble/hashes/argon2.js"
import { scryptAsync } from "@noble/hashes/scrypt.js"
import type { PasswordHasher } from "../Passwords.ts"

export const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))
export const unb64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** Compares without an early exit, so timing does not tell how many leading bytes matched. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

// Workers refuses PBKDF2 above 100,000 iterations; that is the most a hash written there can use.
export const PBKDF2_ITERATIONS = 100_000

const pbkdf2Derive = async (password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> => {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, key, 256))
}

/**
 * PBKDF2-SHA256 through Web Crypto: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
 * Native on every runtime and light on memory (Workers isolates have 128 MB,
 * which a memory-hard hash at OWASP's parameters would mostly take).
 */
export const pbkdf2: PasswordHasher = {
  hash: async (password) => {
    const salt = crypto.getRandomValues(new Uint8Array(16))
    return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(salt)}$${b64(await pbkdf2Derive(password, salt, PBKDF2_ITERATIONS))}`
  },
  verify: async (password, stored) => {
    const [scheme, iterations, salt, key] = (stored ?? "").split("$")
    if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !key) return false
    const n = Number(iterations)
    if (!Number.isInteger(n) || n < 1 || n > PBKDF2_ITERATIONS) return false
    return sameBytes(await pbkdf2Derive(password, unb64(salt), n), unb64(key))
  }
}

/** Node's `scrypt$<logN>$<r>$<p>$<salt>$<hash>`, verified in pure JS (up to 256 MiB, as Node allows). */
const scryptVerify = async (password: string, stored: string): Promise<boolean> => {
  const [, logN, r, p, salt, key] = stored.split("$")
  if (!logN || !r || !p || !salt || !key) return false
  const expected = unb64(key)
  const actual = await scryptAsync(password.normalize("NFKC"), unb64(salt), {
    N: 2 ** Number(logN), r: Number(r), p: Number(p), dkLen: expected.length, maxmem: 256 * 2 ** 20 + 4096
  })
  return sameBytes(actual, expected)
}

/** PHC `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (unpadded base64), as Bun.password writes it. */
const argon2idVerify = async (password: string, stored: string): Promise<boolean> => {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored)
  if (!m) return false
  const pad = (s: string) => s + "=".repeat((4 - (s.length % 4)) % 4)
  const expected = unb64(pad(m[5]!))
  const actual = await argon2idAsync(password, unb64(pad(m[4]!)), { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]), dkLen: expected.length })
  return sameBytes(actual, expected)
}

/** The scheme a stored hash names, or undefined. */
export const schemeOf = (stored: string): "scrypt" | "pbkdf2-sha256" | "argon2id" | undefined =>
  stored.startsWith("scrypt$") ? "scrypt" : stored.startsWith("pbkdf2-sha256$") ? "pbkdf2-sha256" : stored.startsWith("$argon2id$") ? "argon2id" : undefined

/**
 * A runtime's hasher that also verifies the other runtimes' hashes: `own`
 * hashes and verifies its `ownScheme`; any other known scheme goes to the
 * portable verifier. A hash a runtime cannot afford (scrypt's 128 MiB on a
 * Workers isolate) fails closed: false, never a crash.
 */
export const portable = (own: PasswordHasher, ownScheme: ReturnType<typeof schemeOf>): PasswordHasher => ({
  hash: own.hash,
  verify: async (password, stored) => {
    if (stored === null) return false
    const scheme = schemeOf(stored)
    if (scheme === undefined) return false
    if (scheme === ownScheme) return own.verify(password, stored)
    try {
      return scheme === "pbkdf2-sha256" ? await pbkdf2.verify(password, stored)
        : scheme === "scrypt" ? await scryptVerify(password, stored)
        : await argon2idVerify(password, stored)
    } catch {
      return false
    }
  }
})
