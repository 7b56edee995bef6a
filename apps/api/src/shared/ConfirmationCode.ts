/**
 * Server-signed confirmation codes for destructive endpoints (account delete,
 * service reset), after the OWASP Transaction Authorization rules: HMAC-SHA256
 * over (user, action, object, expiry, random nonce), valid 10 minutes, single
 * use (the nonce is consumed in the Store), useless for any other object,
 * action or user.
 */
import { badRequest } from "./HttpError.ts"

export type Action = "delete_account" | "reset_service"

export const TTL_MS = 10 * 60 * 1000

interface Payload {
  readonly u: string
  readonly a: Action
  readonly o: string
  readonly e: number
  readonly n: string
}

const encoder = new TextEncoder()

const toBase64Url = (bytes: Uint8Array): string => {
  let s = ""
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}
const fromBase64Url = (s: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0))

export interface Signer {
  readonly issue: (user: string, action: Action, object: string, nowMs: number) => Promise<{ code: string; expiresMs: number }>
  /** Checks signature, binding and expiry; returns the nonce to consume. Throws a 400 `HttpError` naming the problem. */
  readonly verify: (
    code: string,
    expected: { readonly user: string; readonly action: Action; readonly object: string; readonly nowMs: number; readonly getUrl: string }
  ) => Promise<{ nonce: string; expiresMs: number }>
}

const LABELS: Record<Action, string> = { delete_account: "deleting an account", reset_service: "resetting a service" }

export const make = (key: Uint8Array): Signer => {
  const hmac = crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"])
  return {
    issue: async (user, action, object, nowMs) => {
      const expiresMs = nowMs + TTL_MS
      const payload: Payload = { u: user, a: action, o: object, e: expiresMs, n: toBase64Url(crypto.getRandomValues(new Uint8Array(16))) }
      const body = toBase64Url(encoder.encode(JSON.stringify(payload)))
      const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await hmac, encoder.encode(body)))
      return { code: `${body}.${toBase64Url(sig)}`, expiresMs }
    },
    verify: async (code, expected) => {
      const fresh = `GET ${expected.getUrl} for a fresh code.`
      const invalid = () => badRequest("invalid_code", `This confirmation code is not valid. ${fresh}`, "code")
      const [body, sig, extra] = code.trim().split(".")
      if (!body || !sig || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sig)) throw invalid()
      let ok = false
      try {
        const sigBytes = fromBase64Url(sig)
        // base64 ignores the spare bits of the last character; only the canonical spelling is the code.
        if (toBase64Url(sigBytes) !== sig) throw new Error("non-canonical signature")
        ok = await crypto.subtle.verify("HMAC", await hmac, sigBytes, encoder.encode(body))
      } catch {
        ok = false
      }
      if (!ok) throw invalid()
      const p = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as Payload
      if (p.u !== expected.user) throw badRequest("code_mismatch", `This confirmation code was issued to another user. ${fresh}`, "code")
      if (p.a !== expected.action) {
        throw badRequest("code_mismatch", `This confirmation code is for ${LABELS[p.a] ?? "another action"}, not ${LABELS[expected.action]}. ${fresh}`, "code")
      }
      if (p.o !== expected.object) {
        throw badRequest("code_mismatch", `This confirmation code was issued for a different object than the one in the URL. ${fresh}`, "code")
      }
      if (p.e <= expected.nowMs) throw badRequest("code_expired", `This confirmation code has expired (codes last 10 minutes). ${fresh}`, "code")
      return { nonce: p.n, expiresMs: p.e }
    }
  }
}
