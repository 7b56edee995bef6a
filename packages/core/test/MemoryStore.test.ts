import { Effect } from "effect"
import { assert, describe, it } from "vitest"
// core cannot depend on testkit (testkit depends on core), so the suite is imported by path.
import * as StoreSuite from "../../testkit/src/StoreSuite.ts"
import { Coverage } from "../src/index.ts"
import { MemoryStore } from "../src/testing/index.ts"

StoreSuite.suite("memory", async () => ({ store: MemoryStore.make(), close: async () => {} }))

describe("MemoryStore", () => {
  it("Coverage merges touching and overlapping ranges and splits on a gap", () => {
    assert.deepStrictEqual(Coverage.fromSorted([[0, 10], [10, 20], [15, 18], [21, 30]]), [[0, 20], [21, 30]])
    assert.deepStrictEqual(Coverage.fromSorted([]), [])
  })
  it("each build of the layer is a separate, empty store", async () => {
    const { Store } = await import("../src/Store.ts")
    const count = Effect.gen(function*() {
      const store = yield* Store
      yield* store.createUser({ uid: "u1", email: "a@example.com", password_hash: null, created: 0 })
      return yield* store.countUsers
    })
    assert.strictEqual(await Effect.runPromise(Effect.provide(count, MemoryStore.layer)), 1)
    assert.strictEqual(await Effect.runPromise(Effect.provide(count, MemoryStore.layer)), 1)
  })
})
