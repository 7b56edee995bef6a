/**
 * SHA-256 hex of a token secret with the runtime's native hash: the same
 * digest as the runtime-neutral `TokenSecret.hashSync`, at a fraction of its
 * cost, and every authenticated request computes one. `crypto.hash` is the
 * one-shot form (Node ≥ 21.7, Bun): no Hash object per call.
 */
import { hash } from "node:crypto"

export const nodeTokenHash = (secret: string): string => hash("sha256", secret, "hex")
