/**
 * Password rules (the same on every runtime) and the port through which a
 * runtime hashes them: memory-hard hashes are runtime-specific (`node:crypto`
 * scrypt on Node), so the entrypoint hands one in.
 */
export interface PasswordHasher {
  /** A self-describing hash string (`scrypt$…`). */
  readonly hash: (password: string) => Promise<string>
  /** Constant-time check of `password` against a stored hash; false for null or an unknown scheme. */
  readonly verify: (password: string, stored: string | null) => Promise<boolean>
}

export const MIN_LENGTH = 10
export const MAX_LENGTH = 1024

/** The reason a new password is refused, or undefined. */
export const weakness = (password: string): string | undefined =>
  password.length < MIN_LENGTH
    ? `Passwords need at least ${MIN_LENGTH} characters.`
    : password.length > MAX_LENGTH
    ? `Passwords can have at most ${MAX_LENGTH} characters.`
    : undefined
