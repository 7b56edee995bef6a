/**
 * Bun's password hash: argon2id through `Bun.password` (native), at OWASP's
 * first recommended setting (m = 19 MiB, t = 2, p = 1) — small enough that a
 * Workers isolate can still verify it after a database moves there. The PHC
 * string (`$argon2id$v=19$m=19456,t=2,p=1$…`) describes itself.
 */
import type { PasswordHasher } from "../shared/Passwords.ts"
import { portable } from "../shared/passwords/schemes.ts"

const argon2id: PasswordHasher = {
  hash: (password) => Bun.password.hash(password.normalize("NFKC"), { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 }),
  verify: async (password, stored) => stored !== null && Bun.password.verify(password.normalize("NFKC"), stored)
}

export const bunPasswords: PasswordHasher = portable(argon2id, "argon2id")
