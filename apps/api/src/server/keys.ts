/** The server's 32-byte secret, whichever runtime holds it, and the keys derived from it. */
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"

/** A key for signing, derived so that it never equals the encryption key (the Vault's). */
export const signingKeyFrom = (secret: Uint8Array): Uint8Array => hmac(sha256, secret, new TextEncoder().encode("meterbridge/signing/v1"))
