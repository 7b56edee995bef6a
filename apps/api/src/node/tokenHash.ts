/**
 * SHA-256 hex of a token secret with Node's native hash: the same digest as
 * the runtime-neutral `TokenSecret.hashSync`, at a fraction of its cost, and
 * every authenticated request computes one.
 */
import { createHash } from "node:crypto"

export const nodeTokenHash = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex")
