/**
 * Seals utility secrets (passwords, OAuth tokens) before they reach the
 * Store: AES-256-GCM through Web Crypto, which Node, Bun and Workers share.
 * The additional data binds a ciphertext to its row, so a sealed grant
 * copied onto another account does not open.
 */
import { Context, Effect, Layer, Schema } from "effect"

export class VaultError extends Schema.TaggedError<VaultError>()("VaultError", {
  message: Schema.String
}) {}

export interface VaultShape {
  readonly seal: (plaintext: string, boundTo: string) => Effect.Effect<string, VaultError>
  readonly open: (sealed: string, boundTo: string) => Effect.Effect<string, VaultError>
}

export class Vault extends Context.Service<Vault, VaultShape>()("@meterbridge/core/Vault") {}

const VERSION = "v1"
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const toBase64Url = (bytes: Uint8Array): string => {
  let s = ""
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}
const fromBase64Url = (s: string): Uint8Array => {
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** Decodes a 32-byte key given as 64 hex characters or base64/base64url. */
export const decodeKey = (text: string): Uint8Array | undefined => {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from(t.match(/../g)!.map((h) => parseInt(h, 16)))
  try {
    const bytes = fromBase64Url(t.replace(/=+$/, ""))
    return bytes.length === 32 ? bytes : undefined
  } catch {
    return undefined
  }
}

/** Builds a Vault from a 32-byte key. Sealed form: `v1.<nonce>.<ciphertext+tag>` (base64url). */
export const make = (key: Uint8Array): Effect.Effect<VaultShape, VaultError> =>
  Effect.gen(function*() {
    if (key.length !== 32) return yield* new VaultError({ message: "The encryption key must be 32 bytes" })
    const cryptoKey = yield* Effect.tryPromise({
      try: () => crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]),
      catch: () => new VaultError({ message: "Could not import the encryption key" })
    })
    const seal = (plaintext: string, boundTo: string) =>
      Effect.tryPromise({
        try: async () => {
          // A fresh random 96-bit nonce per seal; one key stays far below GCM's 2^32 limit here.
          const nonce = crypto.getRandomValues(new Uint8Array(12))
          const ct = await crypto.subtle.encrypt(
            { name: "AES-GCM", iv: nonce, additionalData: encoder.encode(boundTo) },
            cryptoKey,
            encoder.encode(plaintext)
          )
          return `${VERSION}.${toBase64Url(nonce)}.${toBase64Url(new Uint8Array(ct))}`
        },
        catch: () => new VaultError({ message: "Encryption failed" })
      })
    const open = (sealed: string, boundTo: string) =>
      Effect.tryPromise({
        try: async () => {
          const [version, nonce, ct] = sealed.split(".")
          if (version !== VERSION || nonce === undefined || ct === undefined) throw new Error("format")
          const pt = await crypto.subtle.decrypt(
            { name: "AES-GCM", iv: fromBase64Url(nonce) as BufferSource, additionalData: encoder.encode(boundTo) },
            cryptoKey,
            fromBase64Url(ct) as BufferSource
          )
          return decoder.decode(pt)
        },
        catch: () => new VaultError({ message: "Stored secret could not be decrypted (wrong key or tampered data)" })
      })
    return { seal, open }
  })

export const layer = (key: Uint8Array): Layer.Layer<Vault, VaultError> => Layer.effect(Vault, make(key))
