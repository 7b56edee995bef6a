/**
 * A Store held in Maps: no dependencies, nothing persisted. It passes the same
 * `@meterbridge/testkit/store` suite as the SQL stores, so tests of the API and
 * the collection state machine can run against it and trust the semantics.
 */
import { Effect, Layer, Stream } from "effect"
import * as Coverage from "../Coverage.ts"
import type { Flow } from "../Interval.ts"
import {
  type AccountRecord,
  type BillRecord,
  Conflict,
  type FormRecord,
  type IntervalRecord,
  type Job,
  type RegistrationStatus,
  type ServiceRecord,
  type ServiceView,
  Store,
  StoreError,
  type StoreShape,
  type TemplateRecord,
  type TokenRecord,
  type UpsertResult,
  type UserRecord
} from "../Store.ts"
import type { Micros } from "../Timestamp.ts"


const FLOWS: ReadonlyArray<string> = ["delivered", "received", "net"]
const QUALITIES: ReadonlyArray<string> = ["actual", "estimated", "questionable", "edited", "derived"]

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

const isNumberOrNull = (n: unknown): boolean => n === null || (typeof n === "number" && Number.isFinite(n))

/** The checks the SQL stores make with constraints; a batch failing any of them writes nothing. */
const intervalProblem = (i: IntervalRecord, serviceExists: boolean): string | undefined => {
  if (!serviceExists) return `unknown service ${i.service_uid}`
  if (!FLOWS.includes(i.flow)) return `invalid flow ${JSON.stringify(i.flow)}`
  if (!QUALITIES.includes(i.quality)) return `invalid quality ${JSON.stringify(i.quality)}`
  if (!Number.isSafeInteger(i.interval_start) || !Number.isSafeInteger(i.interval_end)) {
    return "interval_start and interval_end must be integer microseconds"
  }
  if (i.interval_end <= i.interval_start) return `interval ending at ${i.interval_end} does not end after its start`
  if (!isNumberOrNull(i.interval_kWh) || !isNumberOrNull(i.interval_kW ?? null)) return "interval values must be finite numbers or null"
  return undefined
}

const billProblem = (b: BillRecord, serviceExists: boolean): string | undefined => {
  if (!serviceExists) return `unknown service ${b.service_uid}`
  if (!Number.isSafeInteger(b.bill_start_date) || !Number.isSafeInteger(b.bill_end_date)) {
    return "bill_start_date and bill_end_date must be integer microseconds"
  }
  if (b.bill_end_date <= b.bill_start_date) return `bill ending at ${b.bill_end_date} does not end after its start`
  if (!isNumberOrNull(b.bill_total_kWh) || !isNumberOrNull(b.bill_total)) return "bill totals must be finite numbers or null"
  return undefined
}

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

  const view = (s: ServiceRecord): ServiceView => {
    const account = accounts.get(s.account_uid)!
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
      account_auth_type: account.auth_type,
      account_auth: account.auth,
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
        invite.used_by = userUid
        return true
      }),

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
    )
  }
  return store
}

/** A fresh, empty MemoryStore per build of the layer. */
export const layer: Layer.Layer<Store> = Layer.sync(Store, make)
