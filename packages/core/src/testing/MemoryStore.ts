/**
 * A Store held in Maps: no dependencies, nothing persisted. It passes the same
 * `@meterbridge/testkit/store` suite as the SQL stores, so tests of the API and
 * the collection state machine can run against it and trust the semantics.
 */
import { Effect, Layer, Semaphore, Stream } from "effect"
import * as Coverage from "../Coverage.ts"
import * as StoreRules from "../StoreRules.ts"
import type { Flow } from "../Interval.ts"
import {
  type AccountRecord,
  type BillRecord,
  Conflict,
  type DeliveryRecord,
  type EventRecord,
  type LedgerEntry,
  type WebhookRecord,
  type FormRecord,
  type IntervalRecord,
  type Job,
  type RegistrationStatus,
  type ServiceRecord,
  type ServiceWithFigures,
  Store,
  StoreError,
  type StoreShape,
  type TemplateRecord,
  type TokenRecord,
  type UpsertResult,
  type UserRecord
} from "../Store.ts"
import type { Micros } from "../Timestamp.ts"
import { newUid as newEventUid } from "../Ids.ts"



const sameInterval = (a: IntervalRecord, b: IntervalRecord): boolean =>
  a.interval_end === b.interval_end &&
  a.interval_kWh === b.interval_kWh &&
  (a.interval_kW ?? null) === (b.interval_kW ?? null) &&
  a.quality === b.quality &&
  a.utility === b.utility &&
  a.utility_service_id === b.utility_service_id &&
  a.utility_tariff_name === b.utility_tariff_name &&
  a.utility_service_address === b.utility_service_address &&
  a.utility_meter_number === b.utility_meter_number &&
  a.source === b.source

const sameBill = (a: BillRecord, b: BillRecord): boolean =>
  a.utility === b.utility &&
  a.utility_service_id === b.utility_service_id &&
  a.utility_tariff_name === b.utility_tariff_name &&
  a.utility_service_address === b.utility_service_address &&
  a.utility_meter_number === b.utility_meter_number &&
  a.bill_statement_date === b.bill_statement_date &&
  a.bill_total_kWh === b.bill_total_kWh &&
  a.bill_total === b.bill_total &&
  a.source === b.source &&
  JSON.stringify(a.bill_breakdown) === JSON.stringify(b.bill_breakdown)


/** The checks the SQL stores make with constraints; a batch failing any of them writes nothing. */
/** The Store rules every Store shares, and the one the memory store checks itself: the service exists. */
const intervalProblem = (i: IntervalRecord, serviceExists: boolean): string | undefined =>
  serviceExists ? StoreRules.intervalProblem(i) : `unknown service ${i.service_uid}`

const billProblem = (b: BillRecord, serviceExists: boolean): string | undefined =>
  serviceExists ? StoreRules.billProblem(b) : `unknown service ${b.service_uid}`

const withoutUndefined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>

interface ServiceData {
  readonly bills: Map<string, BillRecord>
  /** Per flow, keyed by interval_start. */
  readonly intervals: Map<Flow, Map<Micros, IntervalRecord>>
  /** Sorted delivered starts and the derived figures; dropped on every write. */
  summary?: { bill_coverage: Array<[Micros, Micros]>; interval_coverage: Array<[Micros, Micros]>; interval_count: number } | undefined
}

const byCreated = (a: { created: Micros; uid: string }, b: { created: Micros; uid: string }) =>
  a.created - b.created || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)

export const make = (): StoreShape => {
  const users = new Map<string, UserRecord>()
  const tokens = new Map<string, TokenRecord>()
  const invites = new Map<string, { expires: Micros | null; used_by: string | null }>()
  const registrations = new Map<string, Map<string, RegistrationStatus>>()
  const loginFailures = new Map<string, { count: number; first: Micros }>()
  const nonces = new Map<string, Micros>()
  const accounts = new Map<string, AccountRecord>()
  const templates = new Map<string, TemplateRecord>()
  const forms = new Map<string, FormRecord>()
  const services = new Map<string, ServiceRecord>()
  const data = new Map<string, ServiceData>()
  /** `owner`: the user of the job's account or service when it was enqueued (for fair claiming). */
  type StoredJob = Job & { readonly seq: number; readonly owner: string | null }
  const jobs = new Map<string, StoredJob>()
  /** When each user's job was last claimed: the fair claim serves the least recent first. */
  const lastClaimed = new Map<string, Micros>()
  let jobSeq = 0
  const events = new Map<string, EventRecord>()
  let eventSeq = 0
  const webhooks = new Map<string, WebhookRecord>()
  const deliveries = new Map<string, DeliveryRecord>()
  let deliverySeq = 0
  const ledger: Array<LedgerEntry> = []
  let ledgerSeq = 0

  /** Every table, for `atomically`'s snapshot: records are replaced, never changed in place, so a shallow copy keeps them. */
  const tables: ReadonlyArray<Map<unknown, unknown>> = [
    users, tokens, invites, accounts, templates, forms, services, data, jobs, events, webhooks, deliveries, nonces
  ] as never
  /** The one place data is changed in place (a service's bills and intervals): copied on first write in a unit of work. */
  let saved: Map<string, ServiceData | undefined> | undefined
  const beforeWrite = (serviceUid: string) => {
    if (saved === undefined || saved.has(serviceUid)) return
    const d = data.get(serviceUid)
    saved.set(serviceUid, d && {
      bills: new Map(d.bills),
      intervals: new Map([...d.intervals].map(([flow, m]) => [flow, new Map(m)])),
      summary: d.summary
    })
  }
  /** One unit of work at a time, like the SQL stores' write lock. */
  const writeLock = Semaphore.makeUnsafe(1)

  const dataOf = (serviceUid: string): ServiceData => {
    let d = data.get(serviceUid)
    if (d === undefined) {
      d = { bills: new Map(), intervals: new Map() }
      data.set(serviceUid, d)
    }
    return d
  }

  const sortedIntervals = (serviceUid: string, flow: Flow): Array<IntervalRecord> =>
    [...(data.get(serviceUid)?.intervals.get(flow)?.values() ?? [])].sort((a, b) => a.interval_start - b.interval_start)

  const sortedBills = (serviceUid: string): Array<BillRecord> =>
    [...(data.get(serviceUid)?.bills.values() ?? [])].sort((a, b) =>
      a.bill_start_date - b.bill_start_date || a.bill_end_date - b.bill_end_date
    )

  const view = (s: ServiceRecord): ServiceWithFigures => {
    const d = dataOf(s.uid)
    if (d.summary === undefined) {
      const delivered = sortedIntervals(s.uid, "delivered")
      d.summary = {
        bill_coverage: Coverage.fromSorted(sortedBills(s.uid).map((b) => [b.bill_start_date, b.bill_end_date] as const)),
        interval_coverage: Coverage.fromSorted(delivered.map((i) => [i.interval_start, i.interval_end] as const)),
        interval_count: delivered.length
      }
    }
    return {
      ...s,
      bill_coverage: d.summary.bill_coverage.map(([a, b]) => [a, b] as const),
      bill_count: d.bills.size,
      interval_coverage: d.summary.interval_coverage.map(([a, b]) => [a, b] as const),
      interval_count: d.summary.interval_count
    }
  }

  const deleteServiceData = (serviceUid: string) => {
    data.delete(serviceUid)
  }

  const store: StoreShape = {
    createUser: (user) =>
      Effect.suspend(() => {
        if (users.has(user.uid)) return Effect.fail(new Conflict({ message: `User ${user.uid} already exists` }))
        for (const u of users.values()) {
          if (u.email === user.email) return Effect.fail(new Conflict({ message: `Email ${user.email} is already taken` }))
        }
        users.set(user.uid, { ...user })
        return Effect.void
      }),
    getUser: (uid) => Effect.sync(() => users.get(uid)),
    findUserByEmail: (email) => Effect.sync(() => [...users.values()].find((u) => u.email === email)),
    countUsers: Effect.sync(() => users.size),
    listUsers: Effect.sync(() => [...users.values()].sort(byCreated)),
    updateUser: (uid, patch) =>
      Effect.suspend(() => {
        const user = users.get(uid)
        if (user === undefined) return Effect.void
        const email = patch.email
        if (email !== undefined) {
          for (const u of users.values()) {
            if (u.uid !== uid && u.email === email) return Effect.fail(new Conflict({ message: `Email ${email} is already taken` }))
          }
        }
        users.set(uid, {
          ...user,
          ...(email === undefined ? {} : { email }),
          ...(patch.password_hash === undefined ? {} : { password_hash: patch.password_hash })
        })
        return Effect.void
      }),
    createToken: (token) =>
      Effect.suspend(() => {
        if (tokens.has(token.uid)) return Effect.fail(new Conflict({ message: `Token ${token.uid} already exists` }))
        for (const t of tokens.values()) {
          if (t.secret_hash === token.secret_hash) return Effect.fail(new Conflict({ message: "Token secret already in use" }))
        }
        tokens.set(token.uid, { ...token })
        return Effect.void
      }),
    findTokenBySecretHash: (hash) => Effect.sync(() => [...tokens.values()].find((t) => t.secret_hash === hash)),
    getToken: (uid) => Effect.sync(() => tokens.get(uid)),
    listTokens: (userUid) => Effect.sync(() => [...tokens.values()].filter((t) => t.user_uid === userUid).sort(byCreated)),
    updateTokenExpiry: (uid, expires) =>
      Effect.sync(() => {
        const t = tokens.get(uid)
        if (t) tokens.set(uid, { ...t, expires })
      }),
    incrementTokenRequests: (uid, by) =>
      Effect.sync(() => {
        const t = tokens.get(uid)
        if (t) tokens.set(uid, { ...t, request_count: t.request_count + by })
      }),

    createInvite: (codeHash, _created, expires) =>
      Effect.sync(() => {
        // Re-creating a code must not revive a used invite.
        if (!invites.has(codeHash)) invites.set(codeHash, { expires, used_by: null })
      }),
    redeemInvite: (codeHash, userUid, now) =>
      Effect.sync(() => {
        const invite = invites.get(codeHash)
        if (invite === undefined || invite.used_by !== null) return false
        if (invite.expires !== null && invite.expires <= now) return false
        invites.set(codeHash, { ...invite, used_by: userUid })
        return true
      }),

    recordLoginFailure: (key, now, windowStart) =>
      Effect.sync(() => {
        const f = loginFailures.get(key)
        const next = f === undefined || f.first < windowStart ? { count: 1, first: now } : { count: f.count + 1, first: f.first }
        loginFailures.set(key, next)
        return next.count
      }),
    countLoginFailures: (key, windowStart) =>
      Effect.sync(() => {
        const f = loginFailures.get(key)
        return f === undefined || f.first < windowStart ? 0 : f.count
      }),
    clearLoginFailures: (key) => Effect.sync(() => void loginFailures.delete(key)),

    getRegistration: (userUid, utility) => Effect.sync(() => registrations.get(userUid)?.get(utility)),
    setRegistration: (userUid, utility, status) =>
      Effect.sync(() => {
        let m = registrations.get(userUid)
        if (m === undefined) registrations.set(userUid, m = new Map())
        m.set(utility, status)
      }),
    listRegistrations: (userUid) =>
      Effect.sync(() =>
        [...(registrations.get(userUid) ?? new Map<string, RegistrationStatus>()).entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([utility, status]) => ({ utility, status }))
      ),

    consumeNonce: (nonce, expires) =>
      Effect.sync(() => {
        if (nonces.has(nonce)) return false
        nonces.set(nonce, expires)
        return true
      }),

    createAccount: (account) =>
      Effect.suspend(() => {
        if (accounts.has(account.uid)) return Effect.fail(new Conflict({ message: `Account ${account.uid} already exists` }))
        for (const a of accounts.values()) {
          if (account.authorization_ref !== null && a.authorization_ref === account.authorization_ref) {
            return Effect.fail(new Conflict({ message: "Authorization reference already in use" }))
          }
          if (account.referral !== null && a.referral === account.referral) {
            return Effect.fail(new Conflict({ message: "Referral code already in use" }))
          }
        }
        accounts.set(account.uid, { ...account })
        return Effect.void
      }),
    getAccount: (uid) => Effect.sync(() => accounts.get(uid)),
    findAccountByAuthorizationRef: (ref) => Effect.sync(() => [...accounts.values()].find((a) => a.authorization_ref === ref)),
    listAccounts: (userUid) => Effect.sync(() => [...accounts.values()].filter((a) => a.user_uid === userUid).sort(byCreated)),
    updateAccount: (uid, patch) =>
      Effect.suspend(() => {
        const a = accounts.get(uid)
        if (a === undefined) return Effect.void
        const p = withoutUndefined(patch)
        if (p.authorization_ref != null) {
          for (const other of accounts.values()) {
            if (other.uid !== uid && other.authorization_ref === p.authorization_ref) {
              return Effect.fail(new StoreError({ message: "Authorization reference already in use" }))
            }
          }
        }
        accounts.set(uid, { ...a, ...p })
        return Effect.void
      }),
    deleteAccount: (uid) =>
      Effect.sync(() => {
        const gone = new Set([uid])
        for (const s of services.values()) {
          if (s.account_uid === uid) {
            gone.add(s.uid)
            services.delete(s.uid)
            deleteServiceData(s.uid)
          }
        }
        for (const j of jobs.values()) if (gone.has(j.target_uid)) jobs.delete(j.id)
        accounts.delete(uid)
      }),
    deleteAccountServices: (uid) =>
      Effect.sync(() => {
        for (const s of services.values()) {
          if (s.account_uid === uid) {
            services.delete(s.uid)
            deleteServiceData(s.uid)
            for (const j of jobs.values()) if (j.target_uid === s.uid) jobs.delete(j.id)
          }
        }
      }),

    createTemplate: (template) =>
      Effect.suspend(() => {
        if (templates.has(template.uid)) return Effect.fail(new Conflict({ message: `Template ${template.uid} already exists` }))
        templates.set(template.uid, { ...template, redirect_uris: [...template.redirect_uris] })
        return Effect.void
      }),
    getTemplate: (uid) => Effect.sync(() => templates.get(uid)),
    listTemplates: (userUid) => Effect.sync(() => [...templates.values()].filter((t) => t.user_uid === userUid).sort(byCreated)),
    deleteTemplate: (uid) => Effect.sync(() => void templates.delete(uid)),
    createForm: (form) =>
      Effect.suspend(() => {
        if (forms.has(form.uid) || [...forms.values()].some((f) => f.code === form.code)) {
          return Effect.fail(new Conflict({ message: `Form ${form.uid} or its code already exists` }))
        }
        forms.set(form.uid, { ...form })
        return Effect.void
      }),
    getForm: (uid) => Effect.sync(() => forms.get(uid)),
    findFormByCode: (code) => Effect.sync(() => [...forms.values()].find((f) => f.code === code)),
    listForms: (userUid) => Effect.sync(() => [...forms.values()].filter((f) => f.user_uid === userUid).sort(byCreated)),
    deleteForm: (uid) => Effect.sync(() => void forms.delete(uid)),

    upsertService: (service) =>
      Effect.suspend(() => {
        if (!accounts.has(service.account_uid)) {
          return Effect.fail(new StoreError({ message: `Unknown account ${service.account_uid}` }))
        }
        const existing = [...services.values()].find((s) =>
          s.account_uid === service.account_uid && s.utility_service_id === service.utility_service_id
        )
        const stored: ServiceRecord = existing === undefined ? { ...service } : {
          ...service,
          uid: existing.uid,
          created: existing.created,
          active_until: existing.active_until,
          latest: existing.latest,
          last_collected: existing.last_collected,
          is_activated: existing.is_activated,
          monitoring: existing.monitoring,
          is_archived: existing.is_archived
        }
        services.set(stored.uid, stored)
        return Effect.succeed(stored)
      }),
    getService: (uid) =>
      Effect.sync(() => {
        const s = services.get(uid)
        return s === undefined ? undefined : view(s)
      }),
    listServices: (userUid) =>
      Effect.sync(() => [...services.values()].filter((s) => s.user_uid === userUid).sort(byCreated).map(view)),
    listAccountServices: (accountUid) =>
      Effect.sync(() => [...services.values()].filter((s) => s.account_uid === accountUid).sort(byCreated)),
    listServicesDue: (now, staleBefore) =>
      Effect.sync(() =>
        [...services.values()]
          .filter((s) =>
            s.active_until !== null && s.active_until > now && (s.last_collected === null || s.last_collected < staleBefore)
          )
          .sort(byCreated)
      ),
    updateService: (uid, patch) =>
      Effect.sync(() => {
        const s = services.get(uid)
        if (s) services.set(uid, { ...s, ...withoutUndefined(patch) })
      }),
    resetServiceData: (uid) => Effect.sync(() => deleteServiceData(uid)),

    upsertBills: (bills) =>
      Effect.suspend(() => {
        for (const b of bills) {
          const problem = billProblem(b, services.has(b.service_uid))
          if (problem) return Effect.fail(new StoreError({ message: `Bill rejected, nothing written: ${problem}` }))
        }
        const latest = new Map<string, BillRecord>()
        for (const b of bills) latest.set(`${b.service_uid}\u0000${b.bill_start_date}\u0000${b.bill_end_date}`, b)
        let inserted = 0
        let changed = 0
        for (const b of latest.values()) {
          beforeWrite(b.service_uid)
          const d = dataOf(b.service_uid)
          const key = `${b.bill_start_date}:${b.bill_end_date}`
          const old = d.bills.get(key)
          if (old !== undefined && sameBill(old, b)) continue
          if (old === undefined) inserted++
          else changed++
          d.bills.set(key, { ...b })
          d.summary = undefined
        }
        return Effect.succeed<UpsertResult>({ inserted, changed })
      }),
    streamBills: (serviceUid) => Stream.suspend(() => Stream.fromIterable(sortedBills(serviceUid))),

    upsertIntervals: (intervals) =>
      Effect.suspend(() => {
        for (const i of intervals) {
          const problem = intervalProblem(i, services.has(i.service_uid))
          if (problem) return Effect.fail(new StoreError({ message: `Interval rejected, nothing written: ${problem}` }))
        }
        const latest = new Map<string, IntervalRecord>()
        for (const i of intervals) latest.set(`${i.service_uid}\u0000${i.flow}\u0000${i.interval_start}`, i)
        let inserted = 0
        let changed = 0
        for (const i of latest.values()) {
          beforeWrite(i.service_uid)
          const d = dataOf(i.service_uid)
          let byStart = d.intervals.get(i.flow)
          if (byStart === undefined) d.intervals.set(i.flow, byStart = new Map())
          const old = byStart.get(i.interval_start)
          if (old !== undefined && sameInterval(old, i)) continue
          if (old === undefined) inserted++
          else changed++
          byStart.set(i.interval_start, { ...i, interval_kW: i.interval_kW ?? null })
          d.summary = undefined
        }
        return Effect.succeed<UpsertResult>({ inserted, changed })
      }),
    streamIntervals: (serviceUid, query) =>
      Stream.suspend(() => {
        const start = query?.start
        const end = query?.end
        return Stream.fromIterable(
          sortedIntervals(serviceUid, query?.flow ?? "delivered").filter((i) =>
            (start === undefined || i.interval_start >= start) && (end === undefined || i.interval_start < end)
          )
        )
      }),

    enqueueJob: (job) =>
      Effect.sync(() => {
        for (const j of jobs.values()) {
          if (j.kind === job.kind && j.target_uid === job.target_uid && j.locked_until === null) {
            if (job.run_at < j.run_at) jobs.set(j.id, { ...j, run_at: job.run_at })
            return j.id
          }
        }
        const seq = ++jobSeq
        const id = String(seq)
        const owner = (job.kind === "account" ? accounts.get(job.target_uid) : services.get(job.target_uid))?.user_uid ?? null
        jobs.set(id, { id, seq, owner, kind: job.kind, target_uid: job.target_uid, params: job.params, run_at: job.run_at, attempts: 0, locked_until: null })
        return id
      }),
    claimJob: (now, leaseUntil, options) =>
      Effect.sync(() => {
        const running = new Map<string, number>()
        for (const j of jobs.values()) {
          if (j.owner !== null && j.locked_until !== null && j.locked_until > now) running.set(j.owner, (running.get(j.owner) ?? 0) + 1)
        }
        const load = (j: StoredJob) => (j.owner === null ? 0 : running.get(j.owner) ?? 0)
        const max = options?.maxRunningPerUser ?? Infinity
        const served = (j: StoredJob) => (j.owner === null ? 0 : lastClaimed.get(j.owner) ?? 0)
        let best: StoredJob | undefined
        for (const j of jobs.values()) {
          if (j.run_at > now || (j.locked_until !== null && j.locked_until > now) || load(j) >= max) continue
          if (best === undefined) {
            best = j
            continue
          }
          // As KyselyStore: fewest running, then served least recently, then earliest.
          const order = load(j) - load(best) || served(j) - served(best) || j.run_at - best.run_at || j.seq - best.seq
          if (order < 0) best = j
        }
        if (best === undefined) return undefined
        const claimed = { ...best, locked_until: leaseUntil }
        jobs.set(best.id, claimed)
        if (best.owner !== null) lastClaimed.set(best.owner, now)
        const { seq: _, owner: __, ...job } = claimed
        return job
      }),
    extendLease: (id, leaseUntil) =>
      Effect.sync(() => {
        const j = jobs.get(id)
        if (j) jobs.set(id, { ...j, locked_until: leaseUntil })
      }),
    completeJob: (id) => Effect.sync(() => void jobs.delete(id)),
    retryJob: (id, runAt) =>
      Effect.sync(() => {
        const j = jobs.get(id)
        if (j) jobs.set(id, { ...j, run_at: runAt, locked_until: null, attempts: j.attempts + 1 })
      }),
    listJobs: Effect.sync(() =>
      [...jobs.values()]
        .sort((a, b) => a.run_at - b.run_at || a.seq - b.seq)
        .map(({ seq: _, owner: __, ...job }) => job)
    ),

    // A failed unit of work puts back a deep copy of every table taken before it ran. Writes made outside
    // units of work while one runs would be rolled back with it: fine for a test store, documented here.
    atomically: (use) =>
      writeLock.withPermits(1)(Effect.suspend(() => {
        const snapshot = tables.map((t) => new Map(t))
        const regs = new Map([...registrations].map(([u, m]) => [u, new Map(m)]))
        const counters = { jobSeq, eventSeq, deliverySeq, ledger: [...ledger], ledgerSeq }
        saved = new Map()
        // Inside, a nested unit of work is part of this one.
        const tx: StoreShape = { ...store, atomically: (inner) => inner(tx) }
        return use(tx).pipe(Effect.onExit((exit) =>
          Effect.sync(() => {
            const touched = saved!
            saved = undefined
            if (exit._tag === "Success") return
            tables.forEach((t, i) => {
              t.clear()
              for (const [k, v] of snapshot[i]!) t.set(k, v)
            })
            for (const [uid, d] of touched) {
              if (d === undefined) data.delete(uid)
              else data.set(uid, d)
            }
            registrations.clear()
            for (const [k, v] of regs) registrations.set(k, v)
            ;({ jobSeq, eventSeq, deliverySeq, ledgerSeq } = counters)
            ledger.splice(0, ledger.length, ...counters.ledger)
          })
        ))
      })),

    appendEvents: (inputs) =>
      Effect.sync(() => {
        for (const e of inputs) {
          const targets = e.webhook_uid !== undefined
            ? [webhooks.get(e.webhook_uid)].filter((w): w is WebhookRecord => w !== undefined)
            : [...webhooks.values()].filter((w) =>
              w.user_uid === e.user_uid && w.disabled === null && (w.events === null || w.events.includes(e.type))
            ).sort(byCreated)
          for (const w of targets.length === 0 ? [undefined] : targets) {
            const webhook_uid = w?.uid ?? null
            const meter_uid = e.meter_uid ?? null
            if (e.coalesce && [...events.values()].some((o) =>
              o.user_uid === e.user_uid && o.type === e.type && o.meter_uid === meter_uid && o.webhook_uid === webhook_uid &&
              !o.is_delivered && o.attempts === 0 && o.locked_until === null
            )) continue
            const seq = ++eventSeq
            const uid = newEventUid()
            events.set(uid, {
              uid,
              seq,
              user_uid: e.user_uid,
              type: e.type,
              ts: e.ts,
              authorization_uid: e.authorization_uid ?? null,
              meter_uid,
              form_uid: e.form_uid ?? null,
              webhook_uid,
              delivery_method: w === undefined ? null : "webhook",
              delivery_target: w?.url ?? null,
              is_delivered: false,
              attempts: 0,
              first_failure: null,
              next_attempt: w === undefined ? null : e.ts,
              locked_until: null
            })
          }
        }
      }),
    getEvent: (uid) => Effect.sync(() => events.get(uid)),
    listEvents: (userUid, q) =>
      Effect.sync(() =>
        [...events.values()]
          .filter((e) =>
            e.user_uid === userUid && (q.is_delivered === undefined || e.is_delivered === q.is_delivered) &&
            (q.beforeSeq === undefined || e.seq < q.beforeSeq)
          )
          .sort((a, b) => b.seq - a.seq)
          .slice(0, q.limit)
      ),
    updateEvent: (uid, patch) =>
      Effect.sync(() => {
        const e = events.get(uid)
        if (e) events.set(uid, { ...e, ...withoutUndefined(patch) })
      }),
    claimEvents: (now, leaseUntil, limit) =>
      Effect.sync(() => {
        const due = [...events.values()]
          .filter((e) => {
            if (e.is_delivered || e.next_attempt === null || e.next_attempt > now) return false
            if (e.locked_until !== null && e.locked_until > now) return false
            const w = e.webhook_uid === null ? undefined : webhooks.get(e.webhook_uid)
            return w !== undefined && w.disabled === null
          })
          .sort((a, b) => a.next_attempt! - b.next_attempt! || a.seq - b.seq)
          .slice(0, limit)
        return due.map((e) => {
          const claimed = { ...e, locked_until: leaseUntil }
          events.set(e.uid, claimed)
          return claimed
        })
      }),
    rescheduleEvents: (webhookUid, now) =>
      Effect.sync(() => {
        for (const e of events.values()) {
          if (e.webhook_uid === webhookUid && !e.is_delivered) {
            events.set(e.uid, { ...e, attempts: 0, first_failure: null, next_attempt: now, locked_until: null })
          }
        }
      }),

    createWebhook: (webhook) =>
      Effect.suspend(() => {
        if (webhooks.has(webhook.uid)) return Effect.fail(new Conflict({ message: `Webhook ${webhook.uid} already exists` }))
        webhooks.set(webhook.uid, { ...webhook })
        return Effect.void
      }),
    getWebhook: (uid) => Effect.sync(() => webhooks.get(uid)),
    listWebhooks: (userUid) => Effect.sync(() => [...webhooks.values()].filter((w) => w.user_uid === userUid).sort(byCreated)),
    updateWebhook: (uid, patch) =>
      Effect.sync(() => {
        const w = webhooks.get(uid)
        if (w) webhooks.set(uid, { ...w, ...withoutUndefined(patch) })
      }),
    deleteWebhook: (uid) =>
      Effect.sync(() => {
        webhooks.delete(uid)
        for (const d of deliveries.values()) if (d.webhook_uid === uid) deliveries.delete(d.id)
      }),
    addDelivery: (delivery) =>
      Effect.sync(() => {
        const id = String(++deliverySeq)
        deliveries.set(id, { ...delivery, id })
        return id
      }),
    getDelivery: (id) => Effect.sync(() => deliveries.get(id)),
    listDeliveries: (webhookUid, limit) =>
      Effect.sync(() =>
        [...deliveries.values()].filter((d) => d.webhook_uid === webhookUid).sort((a, b) => Number(b.id) - Number(a.id)).slice(0, limit)
      ),

    addLedgerEntry: (entry) =>
      Effect.sync(() => {
        if (entry.ref !== null && ledger.some((l) => l.ref === entry.ref)) return false
        ledger.push({ ...entry, id: String(++ledgerSeq) })
        return true
      }),
    balance: (userUid) => Effect.sync(() => ledger.reduce((sum, l) => (l.user_uid === userUid ? sum + l.amount : sum), 0)),
    listLedger: (userUid) =>
      Effect.sync(() => ledger.filter((l) => l.user_uid === userUid).sort((a, b) => Number(b.id) - Number(a.id)))
  }
  return store
}

/** A fresh, empty MemoryStore per build of the layer. */
export const layer: Layer.Layer<Store> = Layer.sync(Store, make)
