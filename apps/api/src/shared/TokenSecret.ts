/**
 * API token secrets: `mbt_` + 22 base62 characters (≥ 130 bits from the CSPRNG)
 * + a 6-character base62 CRC32 of them, like GitHub's `ghp_` tokens, so a
 * secret scanner recognises one without a database. Only the SHA-256 is stored.
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"

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

/** CRC-32 (IEEE, as zlib computes it): a checksum for scanners, not a security measure. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (text: string): number => {
  let crc = 0xffffffff
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
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

/**
 * SHA-256 hex of the secret: what the Store keeps and looks tokens up by.
 * Synchronous (it runs on every request) and runtime-neutral, which Web
 * Crypto's promise-only digest is not: hence `@noble/hashes` (audited, no dependencies).
 */
export const hashSync = (secret: string): string => bytesToHex(sha256(utf8.encode(secret)))

/** Stateless: one for the module, not one per request. */
const utf8 = new TextEncoder()

export const hash = async (secret: string): Promise<string> => hashSync(secret)

/** Token uids: 32 lowercase hex digits, as in the reference's example. */
export const newTokenUid = (): string => crypto.randomUUID().replaceAll("-", "")
