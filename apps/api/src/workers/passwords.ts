/**
 * The Workers password hash: PBKDF2-SHA256 through Web Crypto (native in
 * workerd). A memory-hard hash at OWASP's settings wants 19–128 MiB per
 * verification; an isolate has 128 MiB for everything, and requests run side
 * by side in it. PBKDF2 needs none, at the cost of being cheaper to attack
 * with GPUs; Workers caps it at 100,000 iterations. Hashes written by Bun
 * (argon2id, 19 MiB) verify here in pure JS; Node's scrypt (128 MiB) does not
 * fit and fails closed — such a user sets a new password (README).
 */
import type { PasswordHasher } from "../shared/Passwords.ts"
import { pbkdf2, portable } from "../shared/passwords/schemes.ts"

export const workersPasswords: PasswordHasher = portable(pbkdf2, "pbkdf2-sha256")
