/**
 * The Store conformance suite. Every Store (memory, SQLite, PostgreSQL) runs
 * it, each test on a fresh, empty store. Expected figures are built by the
 * tests from the rows they write, never read back from the store under test.
 */
import { Effect, Fiber, Stream } from "effect"
import { afterEach, assert, describe, it } from "vitest"
import { Store } from "@meterbridge/core"

type StoreShape = Store.StoreShape
type IntervalRecord = Store.IntervalRecord
type BillRecord = Store.BillRecord

export interface Harness {
  readonly store: StoreShape
  readonly close: () => Promise<void>
}

export interface Options {
  /** Per-test timeout in ms; the large-stream tests write 100k rows. */
  readonly timeoutMs?: number
}

const HOUR = 3_600_000_000
const QUARTER = 900_000_000
const DAY = 86_400_000_000
/** 2024-01-01T00:00:00Z */
const T0 = 1_704_067_200_000_000

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const failure = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))
const collect = <A, E>(stream: Stream.Stream<A, E>): Promise<Array<A>> => Effect.runPromise(Stream.runCollect(stream))

export const user = (uid: string, email = `${uid}@example.com`): Store.UserRecord => ({
  uid,
  email,
  password_hash: null,
  created: T0
})

export const token = (uid: string, user_uid: string, created = T0): Store.TokenRecord => ({
  uid,
  user_uid,
  type: "api",
  secret_hash: `hash-${uid}`,
  created,
  expires: null,
  request_count: 0,
  signup_count: 0
})

export const account = (uid: string, user_uid: string, patch: Partial<Store.AccountRecord> = {}): Store.AccountRecord => ({
  uid,
  user_uid,
  utility: "DEMO",
  created: T0,
  auth_type: "owner",
  auth: `auth-${uid}`,
  auth_expires: null,
  login: "credentials",
  latest: null,
  sealed_grant: `sealed-${uid}`,
  authorization_ref: null,
  authorization_url: null,
  ...Store.v1AccountFields,
  ...patch
})

export const service = (uid: string, acct: Store.AccountRecord, patch: Partial<Store.ServiceRecord> = {}): Store.ServiceRecord => ({
  uid,
  user_uid: acct.user_uid,
  account_uid: acct.uid,
  utility: acct.utility,
  created: T0,
  active_until: null,
  latest: null,
  last_collected: null, ...Store.v1ServiceFields,
  utility_service_id: `usid-${uid}`,
  utility_tariff_name: "E-1",
  utility_service_address: "1 Main St",
  utility_billing_account: "BA-1",
  utility_billing_contact: "Pat",
  utility_billing_address: "1 Main St",
  utility_meter_number: "M-1",
  ...patch
})

/** A 15-minute reading whose value is derived from its index, so tests can recompute every figure. */
export const interval = (
  service_uid: string,
  start: number,
  kWh: number | null,
  patch: Partial<IntervalRecord> = {}
): IntervalRecord => ({
  service_uid,
  utility: "DEMO",
  interval_start: start,
  interval_end: start + QUARTER,
  interval_kWh: kWh,
  interval_kW: null,
  flow: "delivered",
  quality: "actual",
  utility_service_id: "SVC-1",
  utility_tariff_name: "E-1",
  utility_service_address: "1 Main St",
  utility_meter_number: "M-1",
  source: "test",
  updated: T0,
  ...patch
})

/** `count` consecutive 15-minute readings from `from`, kWh = 0.25 + (i % 7) / 100. */
export const series = (service_uid: string, from: number, count: number, patch: Partial<IntervalRecord> = {}) =>
  Array.from({ length: count }, (_, i) => interval(service_uid, from + i * QUARTER, 0.25 + (i % 7) / 100, patch))

export const bill = (service_uid: string, start: number, end: number, patch: Partial<BillRecord> = {}): BillRecord => ({
  service_uid,
  utility: "DEMO",
  utility_service_id: "SVC-1",
  utility_tariff_name: "E-1",
  utility_service_address: "1 Main St",
  utility_meter_number: "M-1",
  bill_start_date: start,
  bill_end_date: end,
  bill_statement_date: end + DAY,
  bill_total_kWh: 300,
  bill_total: 61.5,
  bill_breakdown: {
    line_items: [{ name: "Energy", cost: 61.5, rate: 0.205, volume: 300, unit: "kWh", start, end }]
  },
  source: "test",
  updated: T0,
  ...patch
})

const sum = (xs: ReadonlyArray<number | null>) => xs.reduce<number>((a, x) => a + (x ?? 0), 0)

export const suite = (name: string, makeStore: () => Promise<Harness>, options: Options = {}) =>
  describe(`Store (${name})`, { timeout: options.timeoutMs ?? 60_000 }, () => {
    const open: Array<Harness> = []
    afterEach(async () => {
      while (open.length > 0) await open.pop()!.close()
    })
    const fresh = async (): Promise<StoreShape> => {
      const h = await makeStore()
      open.push(h)
      return h.store
    }
    /** A store holding user u1, account a1 and service s1. */
    const withService = async () => {
      const store = await fresh()
      const a1 = account("a1", "u1")
      await run(store.createUser(user("u1")))
      await run(store.createAccount(a1))
      const s1 = await run(store.upsertService(service("s1", a1)))
      return { store, a1, s1 }
    }

    describe("users and tokens", () => {
      it("stores users, finds them by email and counts them", async () => {
        const store = await fresh()
        assert.strictEqual(await run(store.countUsers), 0)
        const u1 = { ...user("u1"), password_hash: "scrypt$abc" }
        await run(store.createUser(u1))
        await run(store.createUser(user("u2")))
        assert.deepStrictEqual(await run(store.getUser("u1")), u1)
        assert.deepStrictEqual(await run(store.findUserByEmail("u2@example.com")), user("u2"))
        assert.strictEqual(await run(store.findUserByEmail("nobody@example.com")), undefined)
        assert.strictEqual(await run(store.getUser("nope")), undefined)
        assert.strictEqual(await run(store.countUsers), 2)
      })

      it("refuses a taken email or uid with Conflict", async () => {
        const store = await fresh()
        await run(store.createUser(user("u1", "same@example.com")))
        assert.strictEqual((await failure(store.createUser(user("u2", "same@example.com"))))._tag, "Conflict")
        assert.strictEqual((await failure(store.createUser(user("u1", "other@example.com"))))._tag, "Conflict")
        assert.strictEqual(await run(store.countUsers), 1)
      })

      it("updates a user's email and password hash; the old email no longer finds them", async () => {
        const store = await fresh()
        const u1 = { ...user("u1", "old@example.com"), password_hash: "scrypt$old" }
        await run(store.createUser(u1))
        await run(store.createUser(user("u2")))
        await run(store.updateUser("u1", { email: "new@example.com" }))
        const moved = { ...u1, email: "new@example.com" }
        assert.deepStrictEqual(await run(store.getUser("u1")), moved)
        assert.deepStrictEqual(await run(store.findUserByEmail("new@example.com")), moved)
        assert.strictEqual(await run(store.findUserByEmail("old@example.com")), undefined)
        await run(store.updateUser("u1", { password_hash: "scrypt$new" }))
        assert.deepStrictEqual(await run(store.getUser("u1")), { ...moved, password_hash: "scrypt$new" })
        await run(store.updateUser("u1", { email: "new@example.com", password_hash: null }))
        assert.deepStrictEqual(await run(store.getUser("u1")), { ...moved, password_hash: null }, "keeping one's own email is no conflict")
        await run(store.updateUser("u1", {}))
        assert.deepStrictEqual(await run(store.getUser("u1")), { ...moved, password_hash: null })
        assert.deepStrictEqual(await run(store.getUser("u2")), user("u2"))
        await run(store.createUser(user("u3", "old@example.com")))
        assert.deepStrictEqual(await run(store.findUserByEmail("old@example.com")), user("u3", "old@example.com"), "the old email is free again")
      })

      it("refuses another user's email with Conflict and changes nothing", async () => {
        const store = await fresh()
        const u1 = { ...user("u1"), password_hash: "scrypt$old" }
        await run(store.createUser(u1))
        await run(store.createUser(user("u2")))
        const error = await failure(store.updateUser("u1", { email: "u2@example.com", password_hash: "scrypt$new" }))
        assert.strictEqual(error._tag, "Conflict")
        assert.deepStrictEqual(await run(store.getUser("u1")), u1)
        assert.deepStrictEqual(await run(store.findUserByEmail("u1@example.com")), u1)
        assert.deepStrictEqual(await run(store.findUserByEmail("u2@example.com")), user("u2"))
      })

      it("updating an unknown user changes nothing", async () => {
        const store = await fresh()
        await run(store.createUser(user("u1")))
        await run(store.updateUser("nope", { email: "nope@example.com", password_hash: "scrypt$x" }))
        assert.strictEqual(await run(store.getUser("nope")), undefined)
        assert.strictEqual(await run(store.findUserByEmail("nope@example.com")), undefined)
        assert.deepStrictEqual(await run(store.listUsers), [user("u1")])
      })

      it("lists every user by creation time, then uid", async () => {
        const store = await fresh()
        assert.deepStrictEqual(await run(store.listUsers), [])
        const at = (uid: string, created: number) => ({ ...user(uid), created })
        for (const u of [at("ua", T0 + 2), at("uc", T0), at("ud", T0 + 1), at("ub", T0)]) await run(store.createUser(u))
        assert.deepStrictEqual(await run(store.listUsers), [at("ub", T0), at("uc", T0), at("ud", T0 + 1), at("ua", T0 + 2)])
      })

      it("stores tokens by secret hash, lists a user's own, updates expiry and request counts", async () => {
        const store = await fresh()
        await run(store.createUser(user("u1")))
        await run(store.createUser(user("u2")))
        await run(store.createToken(token("t2", "u1", T0 + 2)))
        await run(store.createToken(token("t1", "u1", T0 + 1)))
        await run(store.createToken(token("t3", "u2")))
        assert.deepStrictEqual(await run(store.findTokenBySecretHash("hash-t1")), token("t1", "u1", T0 + 1))
        assert.strictEqual(await run(store.findTokenBySecretHash("hash-nope")), undefined)
        assert.deepStrictEqual((await run(store.listTokens("u1"))).map((t) => t.uid), ["t1", "t2"])
        await run(store.updateTokenExpiry("t1", T0 + HOUR))
        assert.strictEqual((await run(store.getToken("t1")))?.expires, T0 + HOUR)
        await run(store.updateTokenExpiry("t1", null))
        assert.strictEqual((await run(store.getToken("t1")))?.expires, null)
        await run(store.incrementTokenRequests("t1", 3))
        await run(store.incrementTokenRequests("t1", 4))
        assert.strictEqual((await run(store.getToken("t1")))?.request_count, 7)
        assert.strictEqual((await run(store.getToken("t2")))?.request_count, 0)
        assert.strictEqual((await failure(store.createToken({ ...token("t9", "u1"), secret_hash: "hash-t1" })))._tag, "Conflict")
      })

      it("redeems an invite once, never after it expires, and not an unknown one", async () => {
        const store = await fresh()
        await run(store.createInvite("code-a", T0, T0 + HOUR))
        await run(store.createInvite("code-b", T0, T0 + HOUR))
        await run(store.createInvite("code-forever", T0, null))
        assert.isFalse(await run(store.redeemInvite("code-b", "u1", T0 + HOUR)), "expired at its expiry instant")
        assert.isTrue(await run(store.redeemInvite("code-a", "u1", T0 + HOUR - 1)))
        assert.isFalse(await run(store.redeemInvite("code-a", "u2", T0 + 2)), "single use")
        assert.isFalse(await run(store.redeemInvite("unknown", "u1", T0)))
        assert.isTrue(await run(store.redeemInvite("code-forever", "u3", T0 + 1000 * DAY)))
        await run(store.createInvite("code-a", T0, null))
        assert.isFalse(await run(store.redeemInvite("code-a", "u4", T0)), "re-creating a used code does not revive it")
      })

      it("counts failed sign-ins per key in a window that lapses, and forgets them when cleared", async () => {
        const store = await fresh()
        const window = 15 * 60_000_000
        assert.strictEqual(await run(store.countLoginFailures("a@example.com", T0 - window)), 0)
        for (let i = 1; i <= 3; i++) {
          assert.strictEqual(await run(store.recordLoginFailure("a@example.com", T0 + i, T0 + i - window)), i)
        }
        assert.strictEqual(await run(store.recordLoginFailure("b@example.com", T0, T0 - window)), 1, "keys are counted apart")
        assert.strictEqual(await run(store.countLoginFailures("a@example.com", T0 + 1 - window)), 3)
        assert.strictEqual(await run(store.countLoginFailures("a@example.com", T0 + 2)), 0, "a window opened before windowStart has lapsed")
        const later = T0 + window + 2
        assert.strictEqual(await run(store.recordLoginFailure("a@example.com", later, later - window)), 1, "a lapsed window starts again")
        assert.strictEqual(await run(store.recordLoginFailure("a@example.com", later + 1, later + 1 - window)), 2)
        await run(store.clearLoginFailures("a@example.com"))
        assert.strictEqual(await run(store.countLoginFailures("a@example.com", T0)), 0)
        assert.strictEqual(await run(store.countLoginFailures("b@example.com", T0 - window)), 1)
      })

      it("keeps registrations per user and utility", async () => {
        const store = await fresh()
        assert.strictEqual(await run(store.getRegistration("u1", "SMT")), undefined)
        await run(store.setRegistration("u1", "SMT", "pending"))
        await run(store.setRegistration("u2", "SMT", "live"))
        assert.strictEqual(await run(store.getRegistration("u1", "SMT")), "pending")
        await run(store.setRegistration("u1", "SMT", "live"))
        await run(store.setRegistration("u1", "PG&E", "pending"))
        assert.strictEqual(await run(store.getRegistration("u1", "SMT")), "live")
        const list = [...await run(store.listRegistrations("u1"))].sort((a, b) => a.utility.localeCompare(b.utility))
        assert.deepStrictEqual(list, [{ utility: "PG&E", status: "pending" }, { utility: "SMT", status: "live" }])
      })

      it("consumes a nonce once", async () => {
        const store = await fresh()
        assert.isTrue(await run(store.consumeNonce("n1", T0 + HOUR)))
        assert.isFalse(await run(store.consumeNonce("n1", T0 + HOUR)))
        assert.isTrue(await run(store.consumeNonce("n2", T0 + HOUR)))
      })
    })

    describe("accounts", () => {
      it("round-trips every field, lists a user's own and finds by authorization reference", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1", {
          auth_type: "3rdparty",
          auth_expires: T0 + DAY,
          latest: { type: "pending", message: "Waiting for the customer", timestamp: T0 + 5 },
          authorization_ref: "state-123",
          authorization_url: "https://utility.example/consent?x=1"
        })
        await run(store.createAccount(a1))
        await run(store.createAccount(account("a0", "u1", { created: T0 - 1 })))
        await run(store.createAccount(account("b1", "u2")))
        assert.deepStrictEqual(await run(store.getAccount("a1")), a1)
        assert.deepStrictEqual(await run(store.findAccountByAuthorizationRef("state-123")), a1)
        assert.strictEqual(await run(store.findAccountByAuthorizationRef("state-999")), undefined)
        assert.deepStrictEqual((await run(store.listAccounts("u1"))).map((a) => a.uid), ["a0", "a1"])
        assert.strictEqual((await failure(store.createAccount(account("a2", "u1", { authorization_ref: "state-123" }))))._tag, "Conflict")
        assert.strictEqual((await failure(store.createAccount(account("a1", "u1"))))._tag, "Conflict")
      })

      it("applies a patch and leaves other fields alone", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1", { authorization_ref: "state-1" })
        await run(store.createAccount(a1))
        const latest = { type: "updated" as const, message: "Collected", timestamp: T0 + HOUR }
        await run(store.updateAccount("a1", { latest, authorization_ref: null, sealed_grant: "sealed-v2" }))
        assert.deepStrictEqual(await run(store.getAccount("a1")), { ...a1, latest, authorization_ref: null, sealed_grant: "sealed-v2" })
        assert.strictEqual(await run(store.findAccountByAuthorizationRef("state-1")), undefined)
      })

      it("deleteAccount removes its services, bills, intervals and jobs, and nothing of other accounts", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1")
        const a2 = account("a2", "u1")
        await run(store.createAccount(a1))
        await run(store.createAccount(a2))
        const s1 = await run(store.upsertService(service("s1", a1)))
        const s2 = await run(store.upsertService(service("s2", a1)))
        const s3 = await run(store.upsertService(service("s3", a2)))
        for (const s of [s1, s2, s3]) {
          await run(store.upsertIntervals(series(s.uid, T0, 10)))
          await run(store.upsertBills([bill(s.uid, T0, T0 + 30 * DAY)]))
          await run(store.enqueueJob({ kind: "service", target_uid: s.uid, params: {}, run_at: T0 }))
        }
        await run(store.enqueueJob({ kind: "account", target_uid: "a1", params: {}, run_at: T0 }))
        await run(store.enqueueJob({ kind: "account", target_uid: "a2", params: {}, run_at: T0 }))

        await run(store.deleteAccount("a1"))

        assert.strictEqual(await run(store.getAccount("a1")), undefined)
        assert.strictEqual(await run(store.getService("s1")), undefined)
        assert.strictEqual(await run(store.getService("s2")), undefined)
        assert.deepStrictEqual(await run(store.listAccountServices("a1")), [])
        assert.deepStrictEqual(await collect(store.streamIntervals("s1")), [])
        assert.deepStrictEqual(await collect(store.streamBills("s2")), [])
        assert.deepStrictEqual((await run(store.listJobs)).map((j) => j.target_uid).sort(), ["a2", "s3"])
        const kept = await run(store.getService("s3"))
        assert.strictEqual(kept?.interval_count, 10)
        assert.strictEqual(kept?.bill_count, 1)
        assert.strictEqual((await collect(store.streamIntervals("s3"))).length, 10)
        // A re-created service with a deleted one's key starts empty.
        await run(store.createAccount(a1))
        const again = await run(store.upsertService(service("s1", a1)))
        assert.strictEqual((await run(store.getService(again.uid)))?.interval_count, 0)
      })
    })

    describe("workflow: authorizations, templates and forms", () => {
      it("round-trips an authorization's workflow fields, keeps a referral unique and patches flags", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1", {
          form_uid: "f1", template_uid: "t1", referral: "ref-1", customer_email: "c@example.com",
          is_test: true, is_archived: false, nickname: "Home", declined: null, revoked: null
        })
        await run(store.createAccount(a1))
        assert.deepStrictEqual(await run(store.getAccount("a1")), a1)
        assert.strictEqual((await failure(store.createAccount(account("a2", "u1", { referral: "ref-1" }))))._tag, "Conflict")
        await run(store.updateAccount("a1", { is_archived: true, nickname: null, revoked: T0 + HOUR }))
        assert.deepStrictEqual(await run(store.getAccount("a1")), { ...a1, is_archived: true, nickname: null, revoked: T0 + HOUR })
      })

      it("keeps a service's activation, monitoring and archive flags across upserts and patches them", async () => {
        const { store, a1, s1 } = await withService()
        await run(store.updateService("s1", { is_activated: false, monitoring: "weekly", is_archived: true }))
        const again = await run(store.upsertService(service("other", a1, { utility_service_id: s1.utility_service_id, is_activated: true, monitoring: "daily", is_archived: false })))
        assert.deepStrictEqual([again.is_activated, again.monitoring, again.is_archived], [false, "weekly", true])
        const view = await run(store.getService("s1"))
        assert.deepStrictEqual([view?.is_activated, view?.monitoring, view?.is_archived], [false, "weekly", true])
      })

      it("deleteAccountServices removes the services, their data and jobs, and keeps the account", async () => {
        const { store, s1 } = await withService()
        await run(store.upsertBills([bill(s1.uid, T0, T0 + 30 * DAY)]))
        await run(store.upsertIntervals(series(s1.uid, T0, 10)))
        await run(store.enqueueJob({ kind: "service", target_uid: s1.uid, params: {}, run_at: T0 }))
        await run(store.deleteAccountServices("a1"))
        assert.ok(await run(store.getAccount("a1")))
        assert.deepStrictEqual(await run(store.listAccountServices("a1")), [])
        assert.deepStrictEqual(await run(store.listJobs), [])
        assert.deepStrictEqual(Array.from(await run(Stream.runCollect(store.streamIntervals(s1.uid)))), [])
      })

      it("stores templates and forms per user, finds a form by its code and deletes them", async () => {
        const store = await fresh()
        const t1: Store.TemplateRecord = {
          uid: "t1", user_uid: "u1", created: T0, updated: T0, company_name: "Acme Solar", company_logo: null,
          company_email: "hi@acme.example", description: "Solar sizing", redirect_uris: ["https://acme.example/back", "https://acme.example/b2"]
        }
        const f1: Store.FormRecord = {
          uid: "f1", user_uid: "u1", created: T0, updated: T0, template_uid: "t1", code: "code-1", customer_email: null,
          utility: "DEMO", scope_expires: "3y", authorization_uid: null, is_archived: false
        }
        await run(store.createTemplate(t1))
        await run(store.createTemplate({ ...t1, uid: "t0", created: T0 - 1 }))
        await run(store.createTemplate({ ...t1, uid: "t9", user_uid: "u2" }))
        await run(store.createForm(f1))
        await run(store.createForm({ ...f1, uid: "f2", code: "code-2", user_uid: "u2" }))
        assert.deepStrictEqual(await run(store.getTemplate("t1")), t1)
        assert.deepStrictEqual((await run(store.listTemplates("u1"))).map((t) => t.uid), ["t0", "t1"])
        assert.deepStrictEqual(await run(store.getForm("f1")), f1)
        assert.deepStrictEqual(await run(store.findFormByCode("code-1")), f1)
        assert.strictEqual(await run(store.findFormByCode("code-x")), undefined)
        assert.deepStrictEqual((await run(store.listForms("u1"))).map((f) => f.uid), ["f1"])
        assert.strictEqual((await failure(store.createForm({ ...f1, uid: "f3" })))._tag, "Conflict")
        await run(store.deleteForm("f1"))
        await run(store.deleteTemplate("t1"))
        assert.strictEqual(await run(store.getForm("f1")), undefined)
        assert.strictEqual(await run(store.getTemplate("t1")), undefined)
        assert.deepStrictEqual((await run(store.listTemplates("u1"))).map((t) => t.uid), ["t0"])
      })
    })

    describe("services", () => {
      it("upsertService identifies a service by (account_uid, utility_service_id) and keeps uid, created, active_until, latest", async () => {
        const { store, a1, s1 } = await withService()
        const latest = { type: "updated" as const, message: "ok", timestamp: T0 + HOUR }
        await run(store.updateService("s1", { active_until: T0 + 365 * DAY, latest, last_collected: T0 + HOUR }))
        const again = await run(store.upsertService(service("s1-new-uid", a1, {
          utility_service_id: s1.utility_service_id,
          created: T0 + DAY,
          utility_tariff_name: "E-TOU-C",
          utility_meter_number: "M-2"
        })))
        assert.strictEqual(again.uid, s1.uid)
        assert.strictEqual(again.created, T0)
        assert.strictEqual(again.active_until, T0 + 365 * DAY)
        assert.deepStrictEqual(again.latest, latest)
        assert.strictEqual(again.utility_tariff_name, "E-TOU-C")
        assert.strictEqual(again.utility_meter_number, "M-2")
        assert.deepStrictEqual((await run(store.listAccountServices("a1"))).map((s) => s.uid), ["s1"])
        assert.strictEqual(await run(store.getService("s1-new-uid")), undefined)
        // The same utility_service_id under another account is another service.
        const a2 = account("a2", "u1")
        await run(store.createAccount(a2))
        const other = await run(store.upsertService(service("s2", a2, { utility_service_id: s1.utility_service_id })))
        assert.strictEqual(other.uid, "s2")
      })

      it("a service comes with its figures, empty before any data", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1", { auth_type: "3rdparty", auth: "Signed by Pat" })
        await run(store.createAccount(a1))
        const s1 = await run(store.upsertService(service("s1", a1)))
        const empty = await run(store.getService("s1"))
        assert.deepStrictEqual(empty, { ...s1, bill_coverage: [], bill_count: 0, interval_coverage: [], interval_count: 0 })
      })

      it("derives coverage from contiguous runs; a gap splits a range; counts follow the delivered flow", async () => {
        const { store } = await withService()
        // Run A: one day of readings; then a one-hour hole; run B: 10 readings; a received reading fills the hole.
        const runA = series("s1", T0, 96)
        const bStart = T0 + DAY + HOUR
        const runB = series("s1", bStart, 10)
        const received = series("s1", T0 + DAY, 4, { flow: "received" })
        await run(store.upsertIntervals([...runB, ...runA, ...received]))
        const bills = [
          bill("s1", T0, T0 + 31 * DAY),
          bill("s1", T0 + 31 * DAY, T0 + 60 * DAY),
          bill("s1", T0 + 90 * DAY, T0 + 120 * DAY)
        ]
        await run(store.upsertBills(bills))
        const view = await run(store.getService("s1"))
        assert.deepStrictEqual(view?.interval_coverage, [[T0, T0 + DAY], [bStart, bStart + 10 * QUARTER]])
        assert.strictEqual(view?.interval_count, 106)
        assert.strictEqual(view?.interval_count, (await collect(store.streamIntervals("s1"))).length)
        assert.deepStrictEqual(view?.bill_coverage, [[T0, T0 + 60 * DAY], [T0 + 90 * DAY, T0 + 120 * DAY]])
        assert.strictEqual(view?.bill_count, 3)
        // Filling the hole joins the runs.
        await run(store.upsertIntervals(series("s1", T0 + DAY, 4)))
        const joined = await run(store.getService("s1"))
        assert.deepStrictEqual(joined?.interval_coverage, [[T0, bStart + 10 * QUARTER]])
        assert.strictEqual(joined?.interval_count, 110)
        const listed = await run(store.listServices("u1"))
        assert.deepStrictEqual(listed, [joined!])
      })

      it("lists a user's services as views, and an account's services as records", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1")
        const b1 = account("b1", "u2")
        await run(store.createAccount(a1))
        await run(store.createAccount(b1))
        await run(store.upsertService(service("s2", a1, { created: T0 + 2 })))
        await run(store.upsertService(service("s1", a1, { created: T0 + 1 })))
        await run(store.upsertService(service("x1", b1)))
        assert.deepStrictEqual((await run(store.listServices("u1"))).map((s) => s.uid), ["s1", "s2"])
        assert.deepStrictEqual((await run(store.listServices("u2"))).map((s) => s.uid), ["x1"])
        const records = await run(store.listAccountServices("a1"))
        assert.deepStrictEqual(records, [service("s1", a1, { created: T0 + 1 }), service("s2", a1, { created: T0 + 2 })])
      })

      it("listServicesDue: active after now and not collected since staleBefore", async () => {
        const store = await fresh()
        const a1 = account("a1", "u1")
        await run(store.createAccount(a1))
        const now = T0 + 10 * DAY
        const staleBefore = now - DAY
        const cases: Array<[string, number | null, number | null, boolean]> = [
          ["never-collected", now + DAY, null, true],
          ["stale", now + DAY, staleBefore - 1, true],
          ["fresh", now + DAY, staleBefore, false],
          ["expired", now, null, false],
          ["inactive", null, null, false]
        ]
        for (const [uid, active_until, last_collected] of cases) {
          await run(store.upsertService(service(uid, a1)))
          await run(store.updateService(uid, { active_until, last_collected }))
        }
        const due = (await run(store.listServicesDue(now, staleBefore))).map((s) => s.uid).sort()
        assert.deepStrictEqual(due, cases.filter((c) => c[3]).map((c) => c[0]).sort())
      })

      it("resetServiceData deletes the service's bills and intervals and keeps the service", async () => {
        const { store } = await withService()
        await run(store.upsertIntervals(series("s1", T0, 50)))
        await run(store.upsertIntervals(series("s1", T0, 50, { flow: "received" })))
        await run(store.upsertBills([bill("s1", T0, T0 + 30 * DAY)]))
        await run(store.resetServiceData("s1"))
        const view = await run(store.getService("s1"))
        assert.strictEqual(view?.interval_count, 0)
        assert.strictEqual(view?.bill_count, 0)
        assert.deepStrictEqual(view?.interval_coverage, [])
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { flow: "received" })), [])
        assert.deepStrictEqual(await collect(store.streamBills("s1")), [])
      })
    })

    describe("intervals", () => {
      it("upserting the same rows twice changes nothing and duplicates nothing", async () => {
        const { store } = await withService()
        const rows = series("s1", T0, 500)
        assert.deepStrictEqual(await run(store.upsertIntervals(rows)), { inserted: 500, changed: 0 })
        const later = rows.map((r) => ({ ...r, updated: T0 + DAY }))
        assert.deepStrictEqual(await run(store.upsertIntervals(later)), { inserted: 0, changed: 0 })
        const stored = await collect(store.streamIntervals("s1"))
        assert.strictEqual(stored.length, 500)
        assert.strictEqual(new Set(stored.map((r) => r.interval_start)).size, 500)
        assert.isTrue(stored.every((r) => r.updated === T0), "identical rows are left untouched")
        assert.strictEqual((await run(store.getService("s1")))?.interval_count, 500)
      })

      it("a corrected reading counts as changed and is served instead of the old one", async () => {
        const { store } = await withService()
        const rows = series("s1", T0, 100)
        await run(store.upsertIntervals(rows))
        const fixed = rows.map((r, i) => i === 42 ? { ...r, interval_kWh: 9.75, quality: "edited" as const, updated: T0 + DAY } : r)
        const overlap = series("s1", T0 + 100 * QUARTER, 5)
        assert.deepStrictEqual(await run(store.upsertIntervals([...fixed, ...overlap])), { inserted: 5, changed: 1 })
        const stored = await collect(store.streamIntervals("s1"))
        assert.strictEqual(stored.length, 105)
        assert.deepStrictEqual(stored[42], { ...rows[42]!, interval_kWh: 9.75, quality: "edited", updated: T0 + DAY })
        assert.strictEqual(stored[41]!.updated, T0)
        // Provenance changes count too, and null readings are values.
        const moved = { ...rows[7]!, utility_tariff_name: "E-TOU-C", updated: T0 + 2 * DAY }
        const blank = { ...rows[8]!, interval_kWh: null, updated: T0 + 2 * DAY }
        const demand = { ...rows[9]!, interval_kW: 4.5, updated: T0 + 2 * DAY }
        assert.deepStrictEqual(await run(store.upsertIntervals([moved, blank, demand])), { inserted: 0, changed: 3 })
        const again = await collect(store.streamIntervals("s1", { start: rows[7]!.interval_start, end: rows[10]!.interval_start }))
        assert.deepStrictEqual(again, [moved, blank, demand])
        const total = sum(again.map((r) => r.interval_kWh))
        assert.closeTo(total, (rows[7]!.interval_kWh ?? 0) + (rows[9]!.interval_kWh ?? 0), 1e-9)
      })

      it("a key repeated within one batch is stored once, with its last value", async () => {
        const { store } = await withService()
        const first = interval("s1", T0, 1)
        const last = interval("s1", T0, 2)
        assert.deepStrictEqual(await run(store.upsertIntervals([first, last])), { inserted: 1, changed: 0 })
        assert.deepStrictEqual(await collect(store.streamIntervals("s1")), [last])
      })

      it("keeps flows apart: received never overwrites delivered", async () => {
        const { store } = await withService()
        const delivered = series("s1", T0, 8)
        const received = series("s1", T0, 8, { flow: "received" }).map((r) => ({ ...r, interval_kWh: 0.01 }))
        const net = [interval("s1", T0, -0.5, { flow: "net" })]
        assert.deepStrictEqual(await run(store.upsertIntervals([...delivered, ...received, ...net])), { inserted: 17, changed: 0 })
        assert.deepStrictEqual(await collect(store.streamIntervals("s1")), delivered)
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { flow: "delivered" })), delivered)
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { flow: "received" })), received)
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { flow: "net" })), net)
      })

      it("streams in start order with start inclusive and end exclusive", async () => {
        const { store } = await withService()
        const rows = series("s1", T0, 96)
        const shuffled = rows.map((r, i) => [(i * 37) % 96, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r)
        await run(store.upsertIntervals(shuffled))
        assert.deepStrictEqual(await collect(store.streamIntervals("s1")), rows)
        const start = T0 + 10 * QUARTER
        const end = T0 + 20 * QUARTER
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { start, end })), rows.slice(10, 20))
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { start })), rows.slice(10))
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { end })), rows.slice(0, 20))
        assert.deepStrictEqual(await collect(store.streamIntervals("s1", { start: end, end: start })), [])
        assert.deepStrictEqual(await collect(store.streamIntervals("nope")), [])
      })

      it("a year of 15-minute data lands in one call and reads back whole", async () => {
        const { store } = await withService()
        const year = series("s1", T0, 35_040)
        assert.deepStrictEqual(await run(store.upsertIntervals(year)), { inserted: 35_040, changed: 0 })
        const view = await run(store.getService("s1"))
        assert.strictEqual(view?.interval_count, 35_040)
        assert.deepStrictEqual(view?.interval_coverage, [[T0, T0 + 35_040 * QUARTER]])
        assert.deepStrictEqual(await run(store.upsertIntervals(year)), { inserted: 0, changed: 0 })
      })

      it("streams 100,000 rows complete and in order", async () => {
        const { store } = await withService()
        const n = 100_000
        const rows = series("s1", T0, n)
        for (let i = 0; i < n; i += 25_000) await run(store.upsertIntervals(rows.slice(i, i + 25_000)))
        let count = 0
        let previous = -Infinity
        let ordered = true
        let total = 0
        await run(Stream.runForEach(store.streamIntervals("s1"), (r) =>
          Effect.sync(() => {
            if (r.interval_start <= previous) ordered = false
            previous = r.interval_start
            total += r.interval_kWh ?? 0
            count++
          })))
        assert.strictEqual(count, n)
        assert.isTrue(ordered)
        assert.closeTo(total, sum(rows.map((r) => r.interval_kWh)), 1e-6)
      })

      it("concurrent writers to one service lose nothing and leave its figures right", async () => {
        const { store } = await withService()
        // Eight writers, each a week; neighbours overlap by a day, so some rows are written twice at once.
        const weeks = Array.from({ length: 8 }, (_, w) => series("s1", T0 + w * 6 * DAY, 7 * 96))
        const results = await Promise.all(weeks.map((rows) => run(store.upsertIntervals(rows))))
        const distinct = 8 * 6 * 96 + 96
        assert.strictEqual(results.reduce((a, r) => a + r.inserted, 0), distinct)
        const stored = await collect(store.streamIntervals("s1"))
        assert.strictEqual(stored.length, distinct)
        const view = await run(store.getService("s1"))
        assert.strictEqual(view?.interval_count, distinct)
        assert.deepStrictEqual(view?.interval_coverage, [[T0, T0 + distinct * QUARTER]])
        await Promise.all([0, 1, 2].map((m) => run(store.upsertBills([bill("s1", T0 + m * 30 * DAY, T0 + (m + 1) * 30 * DAY)]))))
        const withBills = await run(store.getService("s1"))
        assert.strictEqual(withBills?.bill_count, 3)
        assert.deepStrictEqual(withBills?.bill_coverage, [[T0, T0 + 90 * DAY]])
      })

      it("an interrupted write leaves all or nothing, and the store keeps working", async () => {
        const { store } = await withService()
        const rows = series("s1", T0, 60_000)
        const fiber = Effect.runFork(store.upsertIntervals(rows))
        await new Promise((resolve) => setTimeout(resolve, 5))
        await Effect.runPromise(Fiber.interrupt(fiber))
        const count = (await collect(store.streamIntervals("s1"))).length
        assert.include([0, 60_000], count)
        assert.strictEqual((await run(store.getService("s1")))?.interval_count, count)
        // The connection went back: the next write and read go through.
        await run(store.upsertIntervals(rows.slice(0, 10)))
        assert.strictEqual((await collect(store.streamIntervals("s1"))).length, Math.max(count, 10))
      })

      it("a batch failing midway writes nothing, not even its valid rows", async () => {
        const { store } = await withService()
        const before = series("s1", T0, 20)
        await run(store.upsertIntervals(before))
        const corrected = before.map((r) => ({ ...r, interval_kWh: 5, updated: T0 + DAY }))
        const fresh = series("s1", T0 + 20 * QUARTER, 20_000)
        const orphan = interval("no-such-service", T0, 1)
        const error = await failure(store.upsertIntervals([...corrected, ...fresh, orphan]))
        assert.strictEqual(error._tag, "StoreError")
        const backwards = interval("s1", T0 + 50 * DAY, 1, { interval_end: T0 + 50 * DAY })
        assert.strictEqual((await failure(store.upsertIntervals([...fresh, backwards])))._tag, "StoreError")
        assert.deepStrictEqual(await collect(store.streamIntervals("s1")), before)
        const view = await run(store.getService("s1"))
        assert.strictEqual(view?.interval_count, 20)
        assert.deepStrictEqual(view?.interval_coverage, [[T0, T0 + 20 * QUARTER]])
      })
    })

    describe("bills", () => {
      it("upserts by (service, start, end): identical bills untouched, a corrected one changed", async () => {
        const { store } = await withService()
        const bills = [0, 1, 2].map((m) => bill("s1", T0 + m * 30 * DAY, T0 + (m + 1) * 30 * DAY))
        assert.deepStrictEqual(await run(store.upsertBills([bills[2]!, bills[0]!, bills[1]!])), { inserted: 3, changed: 0 })
        assert.deepStrictEqual(await run(store.upsertBills(bills.map((b) => ({ ...b, updated: T0 + DAY })))), { inserted: 0, changed: 0 })
        assert.deepStrictEqual(await collect(store.streamBills("s1")), bills)
        const fixed = { ...bills[1]!, bill_total: 70.25, updated: T0 + DAY }
        assert.deepStrictEqual(await run(store.upsertBills([fixed])), { inserted: 0, changed: 1 })
        const breakdown = { ...bills[2]!, bill_breakdown: { line_items: [], tiers: { "1": 100 } }, updated: T0 + DAY }
        assert.deepStrictEqual(await run(store.upsertBills([breakdown])), { inserted: 0, changed: 1 })
        assert.deepStrictEqual(await collect(store.streamBills("s1")), [bills[0], fixed, breakdown])
        assert.strictEqual((await run(store.getService("s1")))?.bill_count, 3)
      })

      it("a bill batch failing midway writes nothing", async () => {
        const { store } = await withService()
        const good = bill("s1", T0, T0 + 30 * DAY)
        const orphan = bill("no-such-service", T0, T0 + 30 * DAY)
        assert.strictEqual((await failure(store.upsertBills([good, orphan])))._tag, "StoreError")
        assert.deepStrictEqual(await collect(store.streamBills("s1")), [])
        assert.strictEqual((await run(store.getService("s1")))?.bill_count, 0)
      })
    })

    describe("jobs", () => {
      it("enqueue returns the waiting job for the same (kind, target) instead of adding one", async () => {
        const store = await fresh()
        const a = await run(store.enqueueJob({ kind: "account", target_uid: "a1", params: { update_data: false }, run_at: T0 + HOUR }))
        const again = await run(store.enqueueJob({ kind: "account", target_uid: "a1", params: { update_data: false }, run_at: T0 + HOUR }))
        const service = await run(store.enqueueJob({ kind: "service", target_uid: "a1", params: {}, run_at: T0 }))
        assert.strictEqual(again, a)
        assert.notStrictEqual(service, a)
        const jobs = await run(store.listJobs)
        assert.strictEqual(jobs.length, 2)
        const job = jobs.find((j) => j.id === a)
        assert.deepStrictEqual(job, { id: a, kind: "account", target_uid: "a1", params: { update_data: false }, run_at: T0 + HOUR, attempts: 0, locked_until: null })
        // A running (claimed) job is not waiting: a new request gets a new job.
        const claimed = await run(store.claimJob(T0 + HOUR, T0 + 2 * HOUR))
        const whileRunning = await run(store.enqueueJob({ kind: "service", target_uid: "a1", params: {}, run_at: T0 }))
        assert.strictEqual(claimed?.id, service)
        assert.notStrictEqual(whileRunning, service)
      })

      it("claims the earliest due job, respects run_at and leases, and recovers a lapsed lease", async () => {
        const store = await fresh()
        const late = await run(store.enqueueJob({ kind: "service", target_uid: "s-late", params: {}, run_at: T0 + 2 * HOUR }))
        const early = await run(store.enqueueJob({ kind: "service", target_uid: "s-early", params: { n: 1 }, run_at: T0 + HOUR }))
        assert.strictEqual(await run(store.claimJob(T0, T0 + 60_000_000)), undefined, "nothing due yet")
        const first = await run(store.claimJob(T0 + HOUR, T0 + HOUR + 60_000_000))
        assert.deepStrictEqual(first, { id: early, kind: "service", target_uid: "s-early", params: { n: 1 }, run_at: T0 + HOUR, attempts: 0, locked_until: T0 + HOUR + 60_000_000 })
        assert.strictEqual(await run(store.claimJob(T0 + HOUR + 1, T0 + 2 * HOUR)), undefined, "leased and the other not due")
        // The worker holding `early` crashes: once its lease lapses the job is claimable again.
        const recovered = await run(store.claimJob(T0 + 2 * HOUR, T0 + 3 * HOUR))
        assert.strictEqual(recovered?.id, early)
        const second = await run(store.claimJob(T0 + 2 * HOUR, T0 + 3 * HOUR))
        assert.strictEqual(second?.id, late)
        await run(store.extendLease(late, T0 + 5 * HOUR))
        // At 4h `early`'s lease (3h) has lapsed, `late`'s extended one (5h) has not.
        assert.strictEqual((await run(store.claimJob(T0 + 4 * HOUR, T0 + 6 * HOUR)))?.id, early)
        assert.strictEqual(await run(store.claimJob(T0 + 4 * HOUR, T0 + 6 * HOUR)), undefined)
        await run(store.completeJob(early))
        assert.deepStrictEqual((await run(store.listJobs)).map((j) => j.id), [late])
      })

      it("retryJob releases the lease, reschedules and counts an attempt", async () => {
        const store = await fresh()
        const id = await run(store.enqueueJob({ kind: "account", target_uid: "a1", params: {}, run_at: T0 }))
        await run(store.claimJob(T0, T0 + HOUR))
        await run(store.retryJob(id, T0 + 10 * 60_000_000))
        const [job] = await run(store.listJobs)
        assert.deepStrictEqual(job, { id, kind: "account", target_uid: "a1", params: {}, run_at: T0 + 10 * 60_000_000, attempts: 1, locked_until: null })
        assert.strictEqual(await run(store.claimJob(T0 + 60_000_000, T0 + HOUR)), undefined, "not before its new run_at")
        const again = await run(store.claimJob(T0 + 10 * 60_000_000, T0 + HOUR))
        assert.strictEqual(again?.id, id)
        await run(store.retryJob(id, T0 + HOUR))
        assert.strictEqual((await run(store.listJobs))[0]?.attempts, 2)
        // Waiting again after a retry, so a new request joins it.
        assert.strictEqual(await run(store.enqueueJob({ kind: "account", target_uid: "a1", params: {}, run_at: T0 + 2 * HOUR })), id)
      })

      it("claims fairly between users: one user's backlog does not starve another's job", async () => {
        const store = await fresh()
        const busy = account("busy", "u-busy")
        const other = account("other", "u-other")
        await run(store.createAccount(busy))
        await run(store.createAccount(other))
        const backlog: Array<string> = []
        for (let i = 0; i < 40; i++) {
          const s = await run(store.upsertService(service(`busy-s${i}`, busy, { utility_service_id: `b${i}` })))
          backlog.push(await run(store.enqueueJob({ kind: "service", target_uid: s.uid, params: {}, run_at: T0 + i })))
        }
        // The other user's job is the newest of all.
        const theirs = await run(store.enqueueJob({ kind: "account", target_uid: "other", params: {}, run_at: T0 + HOUR }))
        const now = T0 + 2 * HOUR
        const first = await run(store.claimJob(now, now + HOUR))
        assert.strictEqual(first?.id, backlog[0], "with nobody running, the earliest job goes first")
        // Even when the first job is done (a single worker slot), the other user is served next.
        await run(store.completeJob(first!.id))
        const second = await run(store.claimJob(now, now + HOUR))
        assert.strictEqual(second?.id, theirs, "the user served least recently comes before the busy user's backlog")
        const third = await run(store.claimJob(now, now + HOUR))
        assert.strictEqual(third?.id, backlog[1])
      })

      it("maxRunningPerUser caps one user's running jobs; others still get theirs, and a lapsed lease frees a slot", async () => {
        const store = await fresh()
        const a = account("a", "u-a")
        const b = account("b", "u-b")
        await run(store.createAccount(a))
        await run(store.createAccount(b))
        for (let i = 0; i < 5; i++) {
          const s = await run(store.upsertService(service(`a-s${i}`, a, { utility_service_id: `a${i}` })))
          await run(store.enqueueJob({ kind: "service", target_uid: s.uid, params: {}, run_at: T0 + i }))
        }
        const now = T0 + HOUR
        const opts = { maxRunningPerUser: 2 }
        assert.ok(await run(store.claimJob(now, now + HOUR, opts)))
        assert.ok(await run(store.claimJob(now, now + HOUR, opts)))
        assert.strictEqual(await run(store.claimJob(now, now + HOUR, opts)), undefined, "u-a is at its quota")
        const bJob = await run(store.enqueueJob({ kind: "account", target_uid: "b", params: {}, run_at: T0 }))
        assert.strictEqual((await run(store.claimJob(now, now + HOUR, opts)))?.id, bJob)
        // Both of u-a's leases lapse: its remaining jobs can run again.
        assert.ok(await run(store.claimJob(now + HOUR, now + 2 * HOUR, opts)))
      })

      it("two concurrent claimers never get the same job", async () => {
        const store = await fresh()
        const ids = new Set<string>()
        for (let i = 0; i < 12; i++) {
          ids.add(await run(store.enqueueJob({ kind: "service", target_uid: `s${i}`, params: {}, run_at: T0 + i })))
        }
        const claims = await Promise.all(
          Array.from({ length: 30 }, () => run(store.claimJob(T0 + HOUR, T0 + 2 * HOUR)))
        )
        const got = claims.filter((j) => j !== undefined).map((j) => j.id)
        assert.strictEqual(got.length, 12)
        assert.deepStrictEqual(new Set(got), ids)
      })
    })

    describe("units of work, events, webhooks and the ledger", () => {
      const hook = (uid: string, user_uid: string, patch: Partial<Store.WebhookRecord> = {}): Store.WebhookRecord => ({
        uid,
        user_uid,
        url: `https://hooks.example.com/${uid}`,
        events: null,
        sealed_secret: `sealed-${uid}`,
        created: T0,
        updated: T0,
        disabled: null,
        disabled_reason: null,
        ...patch
      })
      const ev = (type: Store.EventType, patch: Partial<Store.EventInput> = {}): Store.EventInput => ({ type, user_uid: "u1", ts: T0, ...patch })

      it("a unit of work that fails leaves neither its data nor its event; one that succeeds keeps both", async () => {
        const { store, s1 } = await withService()
        const cause = await failure(store.atomically((tx) =>
          Effect.gen(function*() {
            yield* tx.upsertBills([bill(s1.uid, T0, T0 + 30 * DAY)])
            yield* tx.appendEvents([ev("meter_bills_added", { meter_uid: s1.uid })])
            yield* tx.updateAccount("a1", { nickname: "changed" })
            return yield* Effect.fail("boom" as const)
          })
        ))
        assert.strictEqual(cause, "boom")
        assert.strictEqual((await collect(store.streamBills(s1.uid))).length, 0)
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 0)
        assert.strictEqual((await run(store.getAccount("a1")))?.nickname, null)
        // A bill that breaks a rule fails the unit of work from inside the store: the event goes with it.
        await failure(store.atomically((tx) =>
          Effect.gen(function*() {
            yield* tx.appendEvents([ev("meter_bills_added", { meter_uid: s1.uid })])
            yield* tx.upsertBills([bill(s1.uid, T0 + DAY, T0)])
          })
        ))
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 0)

        const added = await run(store.atomically((tx) =>
          Effect.gen(function*() {
            const r = yield* tx.upsertBills([bill(s1.uid, T0, T0 + 30 * DAY)])
            // A nested unit of work joins the outer one.
            yield* tx.atomically((inner) => inner.appendEvents([ev("meter_bills_added", { meter_uid: s1.uid })]))
            return r.inserted
          })
        ))
        assert.strictEqual(added, 1)
        assert.strictEqual((await collect(store.streamBills(s1.uid))).length, 1)
        const events = await run(store.listEvents("u1", { limit: 10 }))
        assert.deepStrictEqual(events.map((e) => [e.type, e.meter_uid, e.delivery_target]), [["meter_bills_added", s1.uid, null]])
      })

      it("an interrupted unit of work writes nothing, and the store keeps working", async () => {
        const { store, s1 } = await withService()
        const fiber = Effect.runFork(store.atomically((tx) =>
          Effect.gen(function*() {
            yield* tx.appendEvents([ev("meter_created", { meter_uid: s1.uid })])
            yield* Effect.never
          })
        ))
        await new Promise((r) => setTimeout(r, 20))
        await Effect.runPromise(Fiber.interrupt(fiber))
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 0)
        await run(store.appendEvents([ev("meter_created", { meter_uid: s1.uid })]))
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 1)
      })

      it("fans an event out to each enabled endpoint of its user that receives its type", async () => {
        const store = await fresh()
        await run(store.createWebhook(hook("w1", "u1")))
        await run(store.createWebhook(hook("w2", "u1", { created: T0 + 1, events: ["meter_created"] })))
        await run(store.createWebhook(hook("w3", "u1", { created: T0 + 2, disabled: T0, disabled_reason: "Gone" })))
        await run(store.createWebhook(hook("w4", "u2")))
        await run(store.appendEvents([ev("authorization_created", { authorization_uid: "a1" }), ev("meter_created", { ts: T0 + 5, meter_uid: "m1", authorization_uid: "a1" })]))
        const events = await run(store.listEvents("u1", { limit: 10 }))
        assert.deepStrictEqual(
          events.map((e) => [e.type, e.webhook_uid, e.delivery_method, e.delivery_target, e.next_attempt, e.is_delivered]),
          [
            ["meter_created", "w2", "webhook", "https://hooks.example.com/w2", T0 + 5, false],
            ["meter_created", "w1", "webhook", "https://hooks.example.com/w1", T0 + 5, false],
            ["authorization_created", "w1", "webhook", "https://hooks.example.com/w1", T0, false]
          ]
        )
        assert.strictEqual(new Set(events.map((e) => e.uid)).size, 3)
        // A ping goes to the endpoint named, whatever it subscribes to.
        await run(store.appendEvents([ev("ping", { webhook_uid: "w2" })]))
        assert.deepStrictEqual((await run(store.listEvents("u1", { limit: 1 })))[0]?.webhook_uid, "w2")
        // No endpoint wants it: one event without a target, waiting to be polled.
        await run(store.appendEvents([ev("form_created", { user_uid: "u3", form_uid: "f1" })]))
        const polled = await run(store.listEvents("u3", { limit: 10 }))
        assert.deepStrictEqual(polled.map((e) => [e.form_uid, e.webhook_uid, e.delivery_method, e.next_attempt]), [["f1", null, null, null]])
      })

      it("coalesces an event while the same one still waits unsent", async () => {
        const store = await fresh()
        await run(store.createWebhook(hook("w1", "u1")))
        const added = ev("meter_intervals_added", { meter_uid: "m1", coalesce: true })
        await run(store.appendEvents([added, added, { ...added, meter_uid: "m2" }]))
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 2)
        await run(store.claimEvents(T0, T0 + HOUR, 10))
        // Once sending started, a new fact is a new event.
        await run(store.appendEvents([added]))
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10 }))).length, 3)
      })

      it("lists newest first, filters by is_delivered, pages with beforeSeq, and patches delivery state", async () => {
        const store = await fresh()
        for (let i = 0; i < 5; i++) await run(store.appendEvents([ev("meter_created", { ts: T0 + i, meter_uid: `m${i}` })]))
        const all = await run(store.listEvents("u1", { limit: 10 }))
        assert.deepStrictEqual(all.map((e) => e.meter_uid), ["m4", "m3", "m2", "m1", "m0"])
        const page = await run(store.listEvents("u1", { limit: 2, beforeSeq: all[1]!.seq }))
        assert.deepStrictEqual(page.map((e) => e.meter_uid), ["m2", "m1"])
        await run(store.updateEvent(all[2]!.uid, { is_delivered: true }))
        assert.deepStrictEqual((await run(store.listEvents("u1", { limit: 10, is_delivered: true }))).map((e) => e.meter_uid), ["m2"])
        assert.strictEqual((await run(store.listEvents("u1", { limit: 10, is_delivered: false }))).length, 4)
        assert.strictEqual((await run(store.getEvent(all[2]!.uid)))?.is_delivered, true)
        assert.strictEqual(await run(store.getEvent("nope")), undefined)
      })

      it("claims due events of enabled endpoints, leases them, recovers a lapsed lease, and reschedules", async () => {
        const store = await fresh()
        await run(store.createWebhook(hook("w1", "u1")))
        await run(store.createWebhook(hook("w2", "u1", { events: ["meter_created"] })))
        await run(store.appendEvents([ev("authorization_created"), ev("meter_created", { ts: T0 + 10 })]))
        assert.strictEqual((await run(store.claimEvents(T0 - 1, T0 + HOUR, 10))).length, 0)
        const first = await run(store.claimEvents(T0, T0 + HOUR, 10))
        assert.deepStrictEqual(first.map((e) => [e.type, e.locked_until]), [["authorization_created", T0 + HOUR]])
        const second = await run(store.claimEvents(T0 + 20, T0 + HOUR, 1))
        assert.deepStrictEqual(second.map((e) => [e.type, e.webhook_uid]), [["meter_created", "w1"]])
        // Disabling an endpoint stops its events.
        await run(store.updateWebhook("w2", { disabled: T0, disabled_reason: "Exhausted" }))
        assert.strictEqual((await run(store.claimEvents(T0 + 20, T0 + HOUR, 10))).length, 0)
        assert.strictEqual((await run(store.claimEvents(T0 + HOUR - 1, T0 + 2 * HOUR, 10))).length, 0)
        const lapsed = await run(store.claimEvents(T0 + HOUR, T0 + 2 * HOUR, 10))
        assert.strictEqual(lapsed.length, 2)
        await run(store.updateEvent(first[0]!.uid, { is_delivered: true, next_attempt: null, locked_until: null }))
        await run(store.updateEvent(second[0]!.uid, { attempts: 3, first_failure: T0, next_attempt: T0 + 9 * HOUR, locked_until: null }))
        await run(store.updateWebhook("w2", { disabled: null, disabled_reason: null }))
        await run(store.rescheduleEvents("w1", T0 + 3 * HOUR))
        const again = await run(store.claimEvents(T0 + 3 * HOUR, T0 + 4 * HOUR, 10))
        // w1's delivered event stays delivered; its failing one is due again with a fresh run; w2's lease lapsed.
        assert.deepStrictEqual(
          again.map((e) => [e.webhook_uid, e.attempts, e.first_failure]).sort(),
          [["w1", 0, null], ["w2", 0, null]]
        )
        await run(store.deleteWebhook("w2"))
        assert.strictEqual((await run(store.claimEvents(T0 + 5 * HOUR, T0 + 6 * HOUR, 10))).length, 1)
      })

      it("two concurrent claimers never get the same event", async () => {
        const store = await fresh()
        await run(store.createWebhook(hook("w1", "u1")))
        await run(store.appendEvents(Array.from({ length: 20 }, (_, i) => ev("meter_created", { ts: T0 + i, meter_uid: `m${i}` }))))
        const claims = await Promise.all(Array.from({ length: 8 }, () => run(store.claimEvents(T0 + HOUR, T0 + 2 * HOUR, 4))))
        const got = claims.flat().map((e) => e.uid)
        assert.strictEqual(got.length, 20)
        assert.strictEqual(new Set(got).size, 20)
      })

      it("stores endpoints per user and their delivery log, newest first; deleting an endpoint drops its log", async () => {
        const store = await fresh()
        await run(store.createWebhook(hook("w1", "u1", { events: ["ping", "meter_created"] })))
        await run(store.createWebhook(hook("w2", "u1", { created: T0 + 1 })))
        assert.strictEqual((await failure(store.createWebhook(hook("w1", "u1"))))._tag, "Conflict")
        assert.deepStrictEqual(await run(store.getWebhook("w1")), hook("w1", "u1", { events: ["ping", "meter_created"] }))
        await run(store.updateWebhook("w1", { url: "https://other.example.com/", events: null, updated: T0 + 9 }))
        const w1 = await run(store.getWebhook("w1"))
        assert.deepStrictEqual([w1?.url, w1?.events, w1?.updated, w1?.sealed_secret], ["https://other.example.com/", null, T0 + 9, "sealed-w1"])
        assert.deepStrictEqual((await run(store.listWebhooks("u1"))).map((w) => w.uid), ["w1", "w2"])
        const attempt = (i: number): Omit<Store.DeliveryRecord, "id"> => ({
          webhook_uid: "w1", event_uid: "e1", attempt: i, ts: T0 + i, status: i === 3 ? 200 : 500, latency_ms: 1.5 * i,
          reply: `reply ${i}`, error: i === 3 ? null : "The receiver answered 500", delivered: i === 3
        })
        const ids = [] as Array<string>
        for (let i = 1; i <= 3; i++) ids.push(await run(store.addDelivery(attempt(i))))
        const log = await run(store.listDeliveries("w1", 2))
        assert.deepStrictEqual(log.map(({ id: _, ...d }) => d), [attempt(3), attempt(2)])
        assert.deepStrictEqual(await run(store.getDelivery(ids[0]!)), { ...attempt(1), id: ids[0]! })
        assert.strictEqual(await run(store.getDelivery("x")), undefined)
        await run(store.deleteWebhook("w1"))
        assert.strictEqual(await run(store.getWebhook("w1")), undefined)
        assert.strictEqual((await run(store.listDeliveries("w1", 10))).length, 0)
      })

      it("keeps a ledger per user: the balance is the sum, an entry's ref is charged once, even inside a failed retry", async () => {
        const store = await fresh()
        const entry = (amount: number, ref: string | null, user_uid = "u1"): Omit<Store.LedgerEntry, "id"> =>
          ({ user_uid, ts: T0, amount, description: ref ?? "credit", ref })
        assert.strictEqual(await run(store.balance("u1")), 0)
        assert.strictEqual(await run(store.addLedgerEntry(entry(10_000_000, null))), true)
        assert.strictEqual(await run(store.addLedgerEntry(entry(-250_000, "collection:1"))), true)
        assert.strictEqual(await run(store.addLedgerEntry(entry(-250_000, "collection:1"))), false)
        // Inside a unit of work too, and the unit of work goes on.
        const inside = await run(store.atomically((tx) => tx.addLedgerEntry(entry(-250_000, "collection:1")).pipe(
          Effect.andThen((added) => tx.appendEvents([ev("ping")]).pipe(Effect.as(added)))
        )))
        assert.strictEqual(inside, false)
        assert.strictEqual((await run(store.listEvents("u1", { limit: 5 }))).length, 1)
        await run(store.addLedgerEntry(entry(5_000_000, null, "u2")))
        assert.strictEqual(await run(store.balance("u1")), 10_000_000 - 250_000)
        assert.deepStrictEqual((await run(store.listLedger("u1"))).map((l) => [l.amount, l.ref]), [[-250_000, "collection:1"], [10_000_000, null]])
      })
    })
  })
