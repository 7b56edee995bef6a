/**
 * A customer's downloaded data file (Green Button "Download My Data") brought
 * in by a user: an account/authorization with login `green_button_file`, a
 * service/meter per usage point, and their bills and intervals, stored exactly
 * as a collected account's are. Parsing belongs to whoever calls this (core
 * knows no file format): it hands over what a Collector would return.
 *
 * Idempotent: the account is found again by the user and the file's usage
 * points, services are keyed by usage point within it (the Store's upsert key),
 * and bills and intervals are upserts, so the same file twice changes nothing
 * and a newer download of the same meters adds what is new.
 *
 * Nothing half-written: a file is read in full (and so proved readable) before
 * this runs; if the Store fails while an import that created its account is
 * writing, the account and everything under it are deleted again. An import
 * into an existing account only upserts rows the file holds, so a failure there
 * leaves that account as it was plus rows the retry writes anyway.
 */
import { Clock, Effect, Stream } from "effect"
import type { AuthType } from "./Account.ts"
import type { CollectedBill, CollectedInterval } from "./Collector.ts"
import { newUid } from "./Ids.ts"
import type { ServiceDetails } from "./Service.ts"
import { Store, v1AccountFields } from "./Store.ts"
import type { AccountRecord, Conflict, ServiceRecord, StoreError, UpsertResult } from "./Store.ts"
import { fromMillis } from "./Timestamp.ts"

/** The `login` of an account made from an uploaded file. */
export const LOGIN = "green_button_file"

export interface FileImportInput<E> {
  readonly user_uid: string
  /** The customer's name, as the signature of the authorization. */
  readonly auth: string
  readonly auth_type: AuthType
  /** The utility, when the user says; a file rarely names it. */
  readonly utility: string
  /** Where the data came from (the uploaded file's name); every bill and interval carries it as `source`. */
  readonly source: string
  /** One per usage point in the file; `utility_service_id` is the usage point. */
  readonly services: ReadonlyArray<ServiceDetails>
  readonly bills: ReadonlyArray<CollectedBill>
  /** Read once, in batches; may fail with `E` (a file that breaks off). */
  readonly intervals: Stream.Stream<ReadonlyArray<CollectedInterval>, E>
}

export interface FileImportResult {
  readonly account: AccountRecord
  /** False when the same file (same usage points) was imported before. */
  readonly created: boolean
  readonly services: ReadonlyArray<ServiceRecord>
  readonly bills: UpsertResult
  readonly intervals: UpsertResult
}

/** The account's handle: the user and the file's usage points, so the same meters meet the same account. */
const reference = async (userUid: string, usagePoints: ReadonlyArray<string>): Promise<string> => {
  const text = `${userUid}\u0000${[...new Set(usagePoints)].sort().join("\u0000")}`
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))
  return `${LOGIN}:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`
}

/** What an import fails with besides the file's own errors. */
export type FileImportError = StoreError | Conflict

const add = (a: UpsertResult, b: UpsertResult): UpsertResult => ({ inserted: a.inserted + b.inserted, changed: a.changed + b.changed })

export const importFile = <E>(input: FileImportInput<E>): Effect.Effect<FileImportResult, StoreError | Conflict | E, Store> =>
  Effect.gen(function*() {
    const store = yield* Store
    const now = fromMillis(yield* Clock.currentTimeMillis)
    const ref = yield* Effect.promise(() => reference(input.user_uid, input.services.map((s) => s.utility_service_id)))
    const found = yield* store.findAccountByAuthorizationRef(ref)
    const existing = found !== undefined && found.user_uid === input.user_uid ? found : undefined
    const latest = { type: "updated" as const, message: `Imported from ${input.source}`, timestamp: now }
    const account: AccountRecord = existing ?? {
      uid: newUid(),
      user_uid: input.user_uid,
      utility: input.utility,
      created: now,
      auth_type: input.auth_type,
      auth: input.auth,
      auth_expires: null,
      login: LOGIN,
      latest,
      // Nothing to collect with: the data came in the file.
      sealed_grant: "",
      authorization_ref: ref,
      authorization_url: null,
      ...v1AccountFields
    }
    // Two uploads of one file at once: the second finds the account taken (Conflict, a 409) and writes nothing.
    if (existing === undefined) yield* store.createAccount(account)

    const write = Effect.gen(function*() {
      const services: Array<ServiceRecord> = []
      for (const details of input.services) {
        services.push(yield* store.upsertService({
          ...details,
          uid: newUid(),
          user_uid: input.user_uid,
          account_uid: account.uid,
          utility: account.utility,
          created: now,
          // A file is not collected again: inactive, no monitoring; its data is as fresh as the file.
          active_until: null,
          latest,
          last_collected: now,
          is_activated: false,
          monitoring: "off",
          is_archived: false
        }))
      }
      const byId = new Map(services.map((s) => [s.utility_service_id, s]))
      const serviceOf = (id: string | null) => {
        const s = id === null ? undefined : byId.get(id)
        // The caller lists every usage point it hands rows for; a row for another is a programming error.
        if (s === undefined) throw new Error(`FileImport: no service for usage point ${id}`)
        return s
      }
      const bills = input.bills.length === 0
        ? { inserted: 0, changed: 0 }
        : yield* store.upsertBills(input.bills.map((b) => {
          const s = serviceOf(b.utility_service_id)
          return { ...b, service_uid: s.uid, utility: s.utility, source: input.source, updated: now }
        }))
      const intervals = yield* input.intervals.pipe(
        Stream.runFoldEffect(() => ({ inserted: 0, changed: 0 }), (total, batch) =>
          batch.length === 0 ? Effect.succeed(total) : store.upsertIntervals(batch.map((i) => {
            const s = serviceOf(i.utility_service_id)
            return { ...i, service_uid: s.uid, utility: s.utility, source: input.source, updated: now }
          })).pipe(Effect.map((r) => add(total, r))))
      )
      return { account, created: existing === undefined, services, bills, intervals }
    })
    // A new account that could not be filled is taken away again, so no half-imported account is ever listed for long.
    return yield* existing !== undefined ? write : write.pipe(
      Effect.onError(() => store.deleteAccount(account.uid).pipe(Effect.ignore))
    )
  })
