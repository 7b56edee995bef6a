/**
 * API token secrets: `mbt_` + 22 base62 characters (≥ 130 bits from the CSPRNG)
 * + a 6-character base62 CRC32 of them, like GitHub's `ghp_` tokens, so a
 * secret scanner recognises one without a database. Only the SHA-256 is stored.
 */
import { createHash } from "node:crypto"
import { crc32 } from "node:zlib"

export const PREFIX = "mbt_"
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const RANDOM_CHARS = 22
const CHECKSUM_CHARS = 6
const SHAPE = new RegExp(`^${PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`)

const randomBase62 = (n: number): string => {
  let out = ""
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(n * 2))) {
      // 248 = 4 * 62: rejecting above it keeps every character equally likely.
      if (b < 248 && out.length < n) out += ALPHABET[b % 62]
    }
  }
  return out
}

const base62 = (value: number, width: number): string => {
  let out = ""
  let v = value
  for (let i = 0; i < width; i++) {
    out = ALPHABET[v % 62] + out
    v = Math.floor(v / 62)
  }
  return out
}

const checksum = (body: string): string => base62(crc32(body), CHECKSUM_CHARS)

export const generate = (): string => {
  const body = randomBase62(RANDOM_CHARS)
  return `${PREFIX}${body}${checksum(body)}`
}

/** True for a well-formed Meterbridge token with a matching checksum (no lookup). */
export const isWellFormed = (secret: string): boolean => {
  if (!SHAPE.test(secret)) return false
  const body = secret.slice(PREFIX.length, PREFIX.length + RANDOM_CHARS)
  return secret.slice(PREFIX.length + RANDOM_CHARS) === checksum(body)
}

/** SHA-256 hex of the secret: what the Store keeps and looks tokens up by (synchronous: it runs on every request). */
export const hashSync = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex")

export const hash = async (secret: string): Promise<string> => hashSync(secret)

/** Token uids: 32 lowercase hex digits, as in the reference's example. */
export const newTokenUid = (): string => crypto.randomUUID().replaceAll("-", "")
