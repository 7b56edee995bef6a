/** Invite codes for `POST /users/new`: `mbi_` + 22 base62 characters, stored as SHA-256 only. */
import * as TokenSecret from "./TokenSecret.ts"

export const generate = (): string => `mbi_${TokenSecret.generate().slice(TokenSecret.PREFIX.length, TokenSecret.PREFIX.length + 22)}`

export const hash = (code: string): Promise<string> => TokenSecret.hash(code.trim())
