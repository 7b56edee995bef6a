/**
 * Double-submit CSRF tokens for `POST /users/new` (the one endpoint without an
 * API token): `GET /users/new` sets a signed random value as a cookie and shows
 * it; the POST must carry the cookie and the same value as `csrf_token`.
 */
import { equal } from "./constantTime.ts"

export const COOKIE = "mb_csrf"

const encoder = new TextEncoder()
const b64url = (bytes: Uint8Array) => {
  let s = ""
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}

export interface Csrf {
  readonly issue: () => Promise<string>
  readonly check: (cookie: string | undefined, field: string | undefined) => Promise<boolean>
}

export const make = (key: Uint8Array): Csrf => {
  const hmac = crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
  const sign = async (nonce: string) =>
    b64url(new Uint8Array(await crypto.subtle.sign("HMAC", await hmac, encoder.encode(`csrf:${nonce}`))))
  return {
    issue: async () => {
      const nonce = b64url(crypto.getRandomValues(new Uint8Array(18)))
      return `${nonce}.${await sign(nonce)}`
    },
    check: async (cookie, field) => {
      if (!cookie || !field || !equal(cookie, field)) return false
      const [nonce, sig] = cookie.split(".")
      return !!nonce && sig !== undefined && equal(sig, await sign(nonce))
    }
  }
}
