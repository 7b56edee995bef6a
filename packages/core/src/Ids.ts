/** Opaque object uids: 16 random hex digits (the API tells clients to treat uids as strings). */
export const newUid = (): string => crypto.randomUUID().replaceAll("-", "").slice(0, 16)
