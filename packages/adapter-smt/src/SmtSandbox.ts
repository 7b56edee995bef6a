/**
 * A sandbox that plays Smart Meter Texas's official API over HTTP, for
 * development and tests: HTTP Basic (and, when the server asks for one, a
 * client certificate), data-sharing agreements whose confirmation email is
 * a link in `outbox`, the read endpoints with true America/Chicago DST days,
 * on-demand reads that complete after a delay, and switchable faults.
 *
 * Wire shapes follow public SMT client code; where SMT's guide is not public
 * (agreement status, meter info, billing fields) they are plausible, not verified.
 */
import { LocalTime } from "@meterbridge/core"
import { Hono } from "hono"
import type { Context } from "hono"
import { CENTRAL, formatSmtDate, parseSmtDate, QUARTER_HOUR_MS, quarterHoursIn } from "./internal/SmtDates.ts"
import { type DatasetOptions, makeDataset, type SandboxMeter } from "./internal/SandboxDataset.ts"
import type { Reading } from "./internal/ReadData.ts"

export type { SandboxMeter } from "./internal/SandboxDataset.ts"

/** The meters every sandbox knows unless told otherwise. */
export const DEFAULT_METERS: ReadonlyArray<SandboxMeter> = [
  { esiid: "123456789", meterNumber: "123123", address: "123 Test St", city: "Austin", zip: "78701", tdsp: "TEST TDSP", solar: false, test: true },
  { esiid: "10443720000000001", meterNumber: "112233445LG", address: "1 Elm St", city: "Dallas", zip: "75201", tdsp: "ONCOR", solar: false },
  { esiid: "1008901000000000000002", meterNumber: "556677889", address: "2 Sunny Ln", city: "Houston", zip: "77002", tdsp: "CENTERPOINT", solar: true }
]

export type Fault = "unavailable" | "rateLimited" | "malformed" | "errorCode"

export interface SandboxOptions {
  /** The HTTP Basic login the sandbox accepts. */
  readonly username?: string
  readonly password?: string
  /** The `requestorID` and DUNS (`requesterAuthenticationID`) the login belongs to. */
  readonly requestorId?: string
  readonly duns?: string
  readonly meters?: ReadonlyArray<SandboxMeter>
  /** First and last local day with reads (default 2023-01-01 to 2024-12-31: SMT keeps 24 months). */
  readonly firstDate?: LocalTime.LocalDate
  readonly lastDate?: LocalTime.LocalDate
  readonly billingReadDay?: number
  /** Days of 15-minute reads one request may cover for one ESIID (SMT: 365). */
  readonly maxIntervalDays?: number
  /** How long an on-demand read stays PENDING. */
  readonly odrDelayMs?: number
  /**
   * Reject requests whose TLS client certificate the server did not verify.
   * Only meaningful behind `https.createServer({ requestCert: true, ca })` via `@hono/node-server`.
   */
  readonly requireClientCertificate?: boolean
  /** Seconds the rate-limit fault asks clients to wait. */
  readonly retryAfterSeconds?: number
  readonly now?: () => Date
  /** Where a browser reaches the sandbox, for the email's links (e.g. `http://localhost:3000/sandbox/smt`); default: the request's origin. */
  readonly publicBaseUrl?: string
}

export type AgreementStatus = "PENDING" | "ACTIVE" | "DECLINED" | "EXPIRED" | "TERMINATED"

export interface SandboxAgreement {
  readonly agreementID: string
  readonly ESIID: string
  readonly meterNumber: string
  readonly rep: string
  readonly email: string
  status: AgreementStatus
  startDate: LocalTime.LocalDate | null
  endDate: LocalTime.LocalDate | null
}

/** The email SMT would send: the links stand in for the customer's clicks. */
export interface SandboxEmail {
  readonly to: string
  readonly agreementId: string
  readonly esiid: string
  readonly confirmUrl: string
  readonly declineUrl: string
}

/** Agreements and on-demand reads kept at once; a flood drops the oldest instead of growing memory. */
export const MAX_AGREEMENTS = 10_000
/** Mails the sandbox's outbox keeps, oldest dropped first. */
export const MAX_MAILS = 1_000

/** Sets `key`, first dropping the oldest row (Maps iterate in insertion order) when the table is full. */
const remember = <K, V>(table: Map<K, V>, key: K, value: V) => {
  if (table.size >= MAX_AGREEMENTS && !table.has(key)) table.delete(table.keys().next().value!)
  table.set(key, value)
}

/**
 * 128 random bits in hex: agreement ids are the secret in the customer's confirm link (and the key to its mail in
 * the outbox), so they must not be guessable from one another.
 */
const randomId = (prefix: string) => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase()
}

const DAY_MS = 86_400_000
/** Days from `first` to `last` inclusive, counted without listing them (a range can span millennia). */
const dayCount = (first: LocalTime.LocalDate, last: LocalTime.LocalDate) =>
  Math.round((Date.UTC(last.year, last.month - 1, last.day) - Date.UTC(first.year, first.month - 1, first.day)) / DAY_MS) + 1

const smtError = (code: string, message: string) => ({ data: { errorCode: code, errorMessage: message } })
export const NO_DATA = smtError("1", "No Energy Data received from the respective TDSP")

const OUTAGE_PAGE = `<!DOCTYPE html>
<html><head><title>Smart Meter Texas - Maintenance</title></head>
<body><h1>Smart Meter Texas is currently unavailable</h1><p>We are performing scheduled maintenance. Please try again later.</p></body></html>`

const plusMonths = (d: LocalTime.LocalDate, months: number): LocalTime.LocalDate => {
  const t = new Date(Date.UTC(d.year, d.month - 1 + months, d.day))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

/** SMT's `RD`: `kWh-flag` entries padded to 100 slots, the spare slots empty right after 02:00 local. */
export const encodeRd = (reads: ReadonlyArray<Reading>): string => {
  const entries = reads.map((r) => `${r.kWh}-${r.quality === "estimated" ? "E" : "A"}`)
  const padding = Math.max(0, 100 - entries.length)
  const at = Math.min(8, entries.length)
  return [...entries.slice(0, at), ...Array<string>(padding).fill(""), ...entries.slice(at)].join(",")
}

export const makeSandbox = (options: SandboxOptions = {}) => {
  const username = options.username ?? "sandbox"
  const password = options.password ?? "sandbox-password"
  const requestorId = options.requestorId ?? "MBSANDBOX"
  const duns = options.duns ?? "123456789"
  const now = options.now ?? (() => new Date())
  const maxIntervalDays = options.maxIntervalDays ?? 365
  const odrDelayMs = options.odrDelayMs ?? 200
  const datasetOptions: DatasetOptions = {
    meters: options.meters ?? DEFAULT_METERS,
    firstDate: options.firstDate ?? { year: 2023, month: 1, day: 1 },
    lastDate: options.lastDate ?? { year: 2024, month: 12, day: 31 },
    ...(options.billingReadDay ? { billingReadDay: options.billingReadDay } : {})
  }
  const dataset = makeDataset(datasetOptions)

  let fault: Fault | null = null
  let faultBody: unknown = NO_DATA
  const faults = {
    /** `errorCode` answers HTTP 200 with `body` (default: SMT's "No Energy Data" error). */
    set(next: Fault | null, body?: unknown) {
      fault = next
      faultBody = body ?? NO_DATA
    },
    get current() {
      return fault
    }
  }

  const store = new Map<string, SandboxAgreement>()
  const today = () => LocalTime.dateAt(CENTRAL, now().getTime())
  const refresh = (a: SandboxAgreement) => {
    if (a.status === "ACTIVE" && a.endDate && LocalTime.compareDates(today(), a.endDate) > 0) a.status = "EXPIRED"
    return a
  }
  const activate = (a: SandboxAgreement) => {
    a.status = "ACTIVE"
    a.startDate = today()
    a.endDate = plusMonths(a.startDate, 12)
  }
  const agreements = {
    get: (id: string) => {
      const a = store.get(id)
      return a ? refresh(a) : undefined
    },
    all: () => [...store.values()].map(refresh),
    /** What clicking the email's links does. */
    confirm: (id: string) => {
      const a = store.get(id)
      if (a && a.status === "PENDING") activate(a)
      return a
    },
    decline: (id: string) => {
      const a = store.get(id)
      if (a && a.status === "PENDING") a.status = "DECLINED"
      return a
    },
    /** Ends an agreement as if its 12 months (or the unconfirmed grace period) had passed. */
    expire: (id: string) => {
      const a = store.get(id)
      if (a) a.status = "EXPIRED"
      return a
    },
    terminate: (id: string) => {
      const a = store.get(id)
      if (a) a.status = "TERMINATED"
      return a
    },
    activeFor: (esiid: string) => [...store.values()].some((a) => refresh(a).status === "ACTIVE" && a.ESIID === esiid)
  }
  const outbox: Array<SandboxEmail> = []

  const odrs = new Map<string, { esiid: string; requestedAt: number }>()
  const odr = { outcome: "COMPLETED" as "COMPLETED" | "FAILED" }

  const app = new Hono()

  // The customer's side: the links in SMT's email.
  const consentPage = (c: Context, title: string, text: string, status: 200 | 404 = 200) =>
    c.html(`<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`, status)
  app.get("/agreements/:id/confirm", (c) => {
    const a = agreements.get(c.req.param("id"))
    if (!a) return consentPage(c, "Agreement not found", "This link is not valid.", 404)
    agreements.confirm(a.agreementID)
    return a.status === "ACTIVE"
      ? consentPage(c, "Thank you", `You have agreed to share the energy data of ESIID ${a.ESIID} until ${formatSmtDate(a.endDate!)}.`)
      : consentPage(c, "Agreement not pending", `This agreement is ${a.status.toLowerCase()}.`)
  })
  app.get("/agreements/:id/decline", (c) => {
    const a = agreements.get(c.req.param("id"))
    if (!a) return consentPage(c, "Agreement not found", "This link is not valid.", 404)
    agreements.decline(a.agreementID)
    return consentPage(c, "Request declined", `No energy data of ESIID ${a.ESIID} will be shared.`)
  })

  // The sandbox's mailbox: in test mode nobody receives SMT's email, so its links are shown here, but only to whoever
  // knows the agreement id (the third party that asked for the agreement); the outbox is never listed whole.
  // The customer's own address finds their mail too (a tester knows the address they typed; nobody lists everyone's).
  app.get("/outbox", (c) => {
    const email = c.req.query("email")?.trim().toLowerCase()
    if (!email) return c.json({ error: "Ask for one agreement's mail (GET /outbox/<agreementID>) or one address's (GET /outbox?email=<address>)." }, 404)
    return c.json(outbox.filter((e) => e.to.toLowerCase() === email).reverse())
  })
  app.get("/outbox/:agreementId", (c) => c.json(outbox.filter((e) => e.agreementId === c.req.param("agreementId")).reverse()))

  // The third party's side: Basic auth, optional mTLS, then faults.
  app.use("/*", async (c, next) => {
    if (c.req.method !== "POST") return next()
    if (options.requireClientCertificate) {
      const socket = (c.env as { incoming?: { socket?: { authorized?: boolean } } } | undefined)?.incoming?.socket
      if (socket?.authorized !== true) return c.json({ error: "A registered client certificate is required." }, 403)
    }
    const header = c.req.header("authorization")
    if (!header || !/^Basic\s+/i.test(header)) return c.json({ error: "Basic authentication header is missing." }, 403)
    let decoded = ""
    try {
      const binary = atob(header.replace(/^Basic\s+/i, "").trim())
      decoded = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)))
    } catch {
      decoded = ""
    }
    if (decoded !== `${username}:${password}`) return c.json({ error: "Incorrect username or password." }, 401)
    switch (fault) {
      case "unavailable":
        return c.text("Service Unavailable", 503)
      case "rateLimited":
        c.header("Retry-After", String(options.retryAfterSeconds ?? 3))
        return c.json({ error: "Too many requests. Please slow down." }, 429)
      case "malformed":
        return c.html(OUTAGE_PAGE, 200)
      case "errorCode":
        return c.json(faultBody as object, 200)
    }
    return next()
  })

  type Body = Record<string, unknown>
  const readBody = async (c: Context): Promise<Body | Response> => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return c.json(smtError("400", "The request body is not valid JSON."), 400)
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return c.json(smtError("400", "The request body must be a JSON object."), 400)
    }
    const b = body as Body
    if (typeof b.trans_id !== "string" || b.trans_id === "") return c.json(smtError("400", "trans_id is required."), 400)
    if (b.requestorID !== requestorId) return c.json(smtError("401", "requestorID does not match the authenticated user."), 200)
    if (b.requesterAuthenticationID !== duns) {
      return c.json(smtError("401", "requesterAuthenticationID does not match the registered DUNS."), 200)
    }
    return b
  }
  const respond = (c: Context, b: Body, payload: Record<string, unknown>) => c.json({ trans_id: b.trans_id, ...payload })

  /** Validates a read request: one ESIID under an active agreement, dates in order. */
  const readRequest = (c: Context, b: Body, maxDays: number) => {
    const esiids = b.esiid
    if (!Array.isArray(esiids) || esiids.length === 0 || !esiids.every((e) => typeof e === "string")) {
      return c.json(smtError("400", "esiid must be a list of ESIIDs."), 400)
    }
    if (esiids.length > 200) return c.json(smtError("400", "Request size exceeds the maximum of 200 ESIIDs."), 400)
    if (esiids.length > 1) {
      return c.json(smtError("400", "API delivery supports one ESIID per read request; use FTP delivery for bulk requests."), 400)
    }
    const first = typeof b.startDate === "string" ? parseSmtDate(b.startDate) : undefined
    const last = typeof b.endDate === "string" ? parseSmtDate(b.endDate) : undefined
    if (!first || !last) return c.json(smtError("400", "startDate and endDate must be MM/DD/YYYY."), 400)
    if (LocalTime.compareDates(first, last) > 0) return c.json(smtError("400", "startDate is after endDate."), 400)
    if (dayCount(first, last) > maxDays) {
      return c.json(smtError("400", `Request size exceeds the ad hoc maximum of ${maxDays} days for one ESIID.`), 400)
    }
    const days = LocalTime.datesBetween(first, last)
    const esiid = esiids[0] as string
    if (!agreements.activeFor(esiid)) return c.json(smtError("2", `No active agreement found for ESIID ${esiid}.`), 200)
    return { esiid, first, last, days }
  }

  app.post("/15minintervalreads/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const r = readRequest(c, b, maxIntervalDays)
    if (r instanceof Response) return r
    const readingType = b.readingType === "C" ? "C" : "A"
    const energyData: Array<Record<string, string>> = []
    for (const date of r.days) {
      const reads = dataset.day(r.esiid, date)
      if (!reads) continue
      const revised = formatSmtDate(LocalTime.dateAt(CENTRAL, reads.startMs + quarterHoursIn(CENTRAL, date) * QUARTER_HOUR_MS))
      // SMT's stray empty entries: every seventh day of a month ends in a spare comma.
      const stray = date.day % 7 === 0 ? "," : ""
      energyData.push({ DT: formatSmtDate(date), RevTS: `${revised} 07:45:00`, RT: "C", RD: encodeRd(reads.delivered) + stray })
      if (reads.received && readingType === "A") {
        energyData.push({ DT: formatSmtDate(date), RevTS: `${revised} 07:45:00`, RT: "G", RD: encodeRd(reads.received) + stray })
      }
    }
    if (energyData.length === 0) return c.json(NO_DATA)
    return respond(c, b, { esiid: r.esiid, energyData })
  })

  app.post("/dailyreads/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const r = readRequest(c, b, 366 * 2)
    if (r instanceof Response) return r
    const dailyData: Array<Record<string, string>> = []
    const sum = (list: ReadonlyArray<Reading>) => String(Math.round(list.reduce((s, x) => s + x.kWh, 0) * 1000) / 1000)
    const flag = (list: ReadonlyArray<Reading>) => (list.some((x) => x.quality === "estimated") ? "E" : "A")
    for (const date of r.days) {
      const reads = dataset.day(r.esiid, date)
      if (!reads) continue
      dailyData.push({ DT: formatSmtDate(date), RT: "C", reading: sum(reads.delivered), flag: flag(reads.delivered) })
      if (reads.received) dailyData.push({ DT: formatSmtDate(date), RT: "G", reading: sum(reads.received), flag: flag(reads.received) })
    }
    if (dailyData.length === 0) return c.json(NO_DATA)
    return respond(c, b, { esiid: r.esiid, dailyData })
  })

  const billCache = new Map<string, ReturnType<typeof dataset.bills>>()
  app.post("/monthlybillingInformation/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const r = readRequest(c, b, 366 * 2)
    if (r instanceof Response) return r
    let bills = billCache.get(r.esiid)
    if (!bills) billCache.set(r.esiid, bills = dataset.bills(r.esiid))
    // A cycle belongs to the request when its usage days touch the requested days.
    const billingData = bills
      .filter((p) => LocalTime.compareDates(p.endDate, r.first) > 0 && LocalTime.compareDates(p.startDate, r.last) <= 0)
      .map((p) => {
        const kWh = String(p.kWh)
        return { startDate: formatSmtDate(p.startDate), endDate: formatSmtDate(p.endDate), actl_kwh_usg: kWh, mtrd_kwh_usg: kWh, blld_kwh_usg: kWh }
      })
    if (billingData.length === 0) return c.json(NO_DATA)
    return respond(c, b, { esiid: r.esiid, billingData })
  })

  app.post("/NewAgreement/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const list = b.customerMeterList
    const entry = Array.isArray(list) && list.length === 1 && typeof list[0] === "object" && list[0] !== null
      ? (list[0] as Record<string, unknown>)
      : undefined
    if (!entry) return c.json(smtError("400", "customerMeterList must hold one meter."), 400)
    const esiid = String(entry.ESIID ?? "")
    const meterNumber = String(entry.meterNumber ?? "")
    const rep = String(entry.PUCTRORNumber ?? "")
    const email = typeof b.retailCustomerEmail === "string" ? b.retailCustomerEmail : ""
    if (!/^\S+@\S+\.\S+$/.test(email)) return c.json(smtError("400", "retailCustomerEmail is not a valid email address."), 400)
    const meter = dataset.meter(esiid)
    if (!meter) return c.json(smtError("3", `ESIID ${esiid} was not found.`))
    if (!meter.test && meter.meterNumber !== meterNumber) {
      return c.json(smtError("3", `Meter number ${meterNumber} does not match ESIID ${esiid}.`))
    }
    if (rep.trim() === "") return c.json(smtError("3", "The retail electric provider of record is required."))
    const agreement: SandboxAgreement = {
      agreementID: randomId("AG"),
      ESIID: esiid,
      meterNumber,
      rep,
      email,
      status: "PENDING",
      startDate: null,
      endDate: null
    }
    remember(store, agreement.agreementID, agreement)
    // The test account needs no email, like UtilityAPI's SMT test ESIID.
    if (meter.test) activate(agreement)
    else {
      const origin = (options.publicBaseUrl ?? new URL(c.req.url).origin).replace(/\/$/, "")
      if (outbox.length >= MAX_MAILS) outbox.shift()
      outbox.push({
        to: email,
        agreementId: agreement.agreementID,
        esiid,
        confirmUrl: `${origin}/agreements/${agreement.agreementID}/confirm`,
        declineUrl: `${origin}/agreements/${agreement.agreementID}/decline`
      })
    }
    return respond(c, b, {
      agreementID: agreement.agreementID,
      agreementStatus: agreement.status,
      endDate: agreement.endDate ? formatSmtDate(agreement.endDate) : null
    })
  })

  app.post("/myagreements/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const wanted = typeof b.agreementID === "string" ? b.agreementID : undefined
    const list = agreements.all().filter((a) => wanted === undefined || a.agreementID === wanted)
    if (wanted !== undefined && list.length === 0) return c.json(smtError("4", `Agreement ${wanted} was not found.`))
    return respond(c, b, {
      agreements: list.map((a) => ({
        agreementID: a.agreementID,
        ESIID: a.ESIID,
        status: a.status,
        startDate: a.startDate ? formatSmtDate(a.startDate) : null,
        endDate: a.endDate ? formatSmtDate(a.endDate) : null
      }))
    })
  })

  app.post("/meterInfo/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const esiids = b.esiid
    if (!Array.isArray(esiids) || !esiids.every((e) => typeof e === "string")) {
      return c.json(smtError("400", "esiid must be a list of ESIIDs."), 400)
    }
    if (esiids.length > 200) return c.json(smtError("400", "Request size exceeds the maximum of 200 ESIIDs."), 400)
    const data = esiids.flatMap((e) => {
      const m = dataset.meter(e)
      return m && agreements.activeFor(e)
        ? [{ esiid: m.esiid, meterNumber: m.meterNumber, address: m.address, city: m.city, state: "TX", zip: m.zip, tdsp: m.tdsp }]
        : []
    })
    if (data.length === 0) return c.json(smtError("2", "No active agreement found for the requested ESIIDs."))
    return respond(c, b, { data })
  })

  app.post("/odr/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const esiid = String(b.ESIID ?? "")
    const meter = dataset.meter(esiid)
    if (!meter || !agreements.activeFor(esiid)) return c.json(smtError("2", `No active agreement found for ESIID ${esiid}.`))
    if (!meter.test && meter.meterNumber !== String(b.MeterNumber ?? "")) {
      return c.json(smtError("3", `Meter number does not match ESIID ${esiid}.`))
    }
    const correlationId = randomId("ODR")
    remember(odrs, correlationId, { esiid, requestedAt: now().getTime() })
    return respond(c, b, { data: { correlationId, statusCode: "0", statusReason: "Success" } })
  })

  app.post("/odrstatus/", async (c) => {
    const b = await readBody(c)
    if (b instanceof Response) return b
    const request = odrs.get(String(b.correlationId ?? ""))
    if (!request) return c.json(smtError("5", "No on-demand read found for this correlationId."))
    if (now().getTime() - request.requestedAt < odrDelayMs) {
      return respond(c, b, { data: { odrstatus: "PENDING", odrread: null, odrusage: null, odrdate: null, responseMessage: "PENDING" } })
    }
    if (odr.outcome === "FAILED") {
      return respond(c, b, { data: { odrstatus: "FAILED", odrread: null, odrusage: null, odrdate: null, responseMessage: "Meter did not respond" } })
    }
    const last = dataset.day(request.esiid, dataset.lastDate)
    const usage = Math.round((last?.delivered ?? []).reduce((s, r) => s + r.kWh, 0) * 1000) / 1000
    const at = new Date(request.requestedAt + odrDelayMs)
    const clock = new Intl.DateTimeFormat("en-US", { timeZone: CENTRAL.name, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .format(at)
    return respond(c, b, {
      data: {
        odrstatus: "COMPLETED",
        odrread: String(Math.round((10_000 + usage) * 1000) / 1000),
        odrusage: String(usage),
        odrdate: `${formatSmtDate(LocalTime.dateAt(CENTRAL, at.getTime()))} ${clock}`,
        responseMessage: "SUCCESS"
      }
    })
  })

  app.notFound((c) => c.json({ error: `No such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}` }, 404))

  return { app, dataset, faults, agreements, outbox, odr, username, password, requestorId, duns }
}

export type Sandbox = ReturnType<typeof makeSandbox>
