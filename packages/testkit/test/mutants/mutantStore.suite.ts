/**
 * Runs the Store suite against MemoryStores with one deliberate bug each.
 * `StoreSuite.test.ts` runs this file in a child vitest and expects the test
 * named for each bug to fail: the suite catches the bugs users would hit.
 */
import { Effect } from "effect"
import { MemoryStore } from "@meterbridge/core/testing"
import type { Store } from "@meterbridge/core"
import * as StoreSuite from "../../src/StoreSuite.ts"

const mutants: Record<string, (s: Store.StoreShape) => Store.StoreShape> = {
  // Reports every row as inserted, as a store that cannot tell new from changed would.
  "counts-everything-inserted": (s) => ({
    ...s,
    upsertIntervals: (rows) => Effect.map(s.upsertIntervals(rows), () => ({ inserted: rows.length, changed: 0 }))
  }),
  // Claims without leasing: two workers would run the same job.
  "claim-without-lease": (s) => ({
    ...s,
    claimJob: (now) => Effect.map(s.listJobs, (jobs) => jobs.find((j) => j.run_at <= now && (j.locked_until === null || j.locked_until <= now)))
  }),
  // Deletes the account but leaves its services and data behind.
  "delete-without-cascade": (s) => ({
    ...s,
    deleteAccount: (uid) => s.updateAccount(uid, { auth: "deleted" })
  }),
  // Writes the valid rows of a batch before failing on a bad one.
  "half-written-batch": (s) => ({
    ...s,
    upsertIntervals: (rows) =>
      Effect.flatMap(
        s.upsertIntervals(rows.filter((r) => r.service_uid === rows[0]?.service_uid && r.interval_end > r.interval_start)),
        (result) => s.upsertIntervals(rows).pipe(Effect.as(result))
      )
  }),
  // Saves the password hash before finding the email taken: a failed update half-applied.
  "update-half-applied": (s) => ({
    ...s,
    updateUser: (uid, patch) =>
      Effect.flatMap(
        s.updateUser(uid, patch.password_hash === undefined ? {} : { password_hash: patch.password_hash }),
        () => s.updateUser(uid, patch.email === undefined ? {} : { email: patch.email })
      )
  }),
  // Serves the filter's end bound inclusively.
  "end-inclusive": (s) => ({
    ...s,
    streamIntervals: (uid, q) => s.streamIntervals(uid, q?.end === undefined ? q : { ...q, end: q.end + 1 })
  })
}

for (const [name, mutate] of Object.entries(mutants)) {
  StoreSuite.suite(`mutant ${name}`, async () => ({ store: mutate(MemoryStore.make()), close: async () => {} }))
}
