import { describe, expect, it } from "vitest"
import * as TokenCache from "../src/shared/TokenCache.ts"

const token = (uid: string) => ({
  uid,
  user_uid: "u",
  type: "api" as const,
  secret_hash: `h-${uid}`,
  created: 0,
  expires: null,
  request_count: 0,
  signup_count: 0
})

describe("TokenCache", () => {
  it("serves a token for ttl and then forgets it", () => {
    const cache = TokenCache.make(1_000)
    cache.set("h1", token("t1"), 10_000)
    expect(cache.get("h1", 10_999)?.uid).toBe("t1")
    expect(cache.get("h1", 11_000)).toBeUndefined()
  })
  it("forgets a token at once when it is changed through this server", () => {
    const cache = TokenCache.make(1_000)
    cache.set("h1", token("t1"), 0)
    cache.set("h2", token("t2"), 0)
    cache.forget("t1")
    expect(cache.get("h1", 1)).toBeUndefined()
    expect(cache.get("h2", 1)?.uid).toBe("t2")
  })
  it("stays within its size by dropping the oldest entry", () => {
    const cache = TokenCache.make(1_000, 2)
    cache.set("a", token("a"), 0)
    cache.set("b", token("b"), 0)
    cache.set("c", token("c"), 0)
    expect(cache.get("a", 1)).toBeUndefined()
    expect(cache.get("b", 1)?.uid).toBe("b")
    expect(cache.get("c", 1)?.uid).toBe("c")
  })
})

describe("token hashes", () => {
  it("Node's native hash and the runtime-neutral one agree, so a token minted on one runtime authenticates on another", async () => {
    const { nodeTokenHash } = await import("../src/node/tokenHash.ts")
    const TokenSecret = await import("../src/shared/TokenSecret.ts")
    for (const secret of [TokenSecret.generate(), "bootstrap-token-given-by-the-operator", "ünïcødé-tøkén-✓-𝄞", ""]) {
      expect(nodeTokenHash(secret)).toBe(TokenSecret.hashSync(secret))
    }
    // The known SHA-256 of "abc", so both are the digest the Store already holds.
    expect(nodeTokenHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })
})
