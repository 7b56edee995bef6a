/**
 * The server's 32-byte secret: `METERBRIDGE_SECRET_KEY` (hex or base64), or
 * generated once into `./data/secret.key` (mode 0600). It seals utility
 * credentials (the Vault) and, through HMAC derivation, signs codes.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Vault } from "@meterbridge/core"

export const DEFAULT_KEY_FILE = "./data/secret.key"

export const loadSecretKey = (
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
  keyFile = DEFAULT_KEY_FILE
): Uint8Array => {
  const fromEnv = env["METERBRIDGE_SECRET_KEY"]
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const key = Vault.decodeKey(fromEnv)
    if (!key) throw new Error("METERBRIDGE_SECRET_KEY must be 32 bytes, as 64 hex characters or base64")
    return key
  }
  if (existsSync(keyFile)) {
    const key = Vault.decodeKey(readFileSync(keyFile, "utf8"))
    if (!key) throw new Error(`${keyFile} does not hold a 32-byte key (hex or base64)`)
    return key
  }
  mkdirSync(dirname(keyFile), { recursive: true })
  const key = randomBytes(32)
  writeFileSync(keyFile, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" })
  chmodSync(keyFile, 0o600)
  log(`Generated a new secret key in ${keyFile} (mode 0600). Back it up: without it, stored utility credentials cannot be read.`)
  return new Uint8Array(key)
}

export { signingKeyFrom } from "../server/keys.ts"
