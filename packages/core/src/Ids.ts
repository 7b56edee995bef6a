/** Opaque object uids: 16 random hex digits (the API tells clients to treat uids as strings). */
export const newUid = (): string => crypto.randomUUID().replaceAll("-", "").slice(0, 16)

/** An unguessable code for URLs handed to customers (form links, referrals): 128 random bits, base64url. */
export const newSecretCode = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}
