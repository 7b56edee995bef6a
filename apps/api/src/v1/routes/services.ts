/** `/api/services`: list, get, bills, intervals, modify (options + modify), reset (code + reset). */
import { Hono } from "hono"
import { Stream } from "effect"
import { Bill, Collection, Interval, Service, Store, Timestamp } from "@meterbridge/core"
import { invalidField } from "../../shared/HttpError.ts"
import { identityMemo } from "../../shared/identityMemo.ts"
import { importGreenButton } from "../../shared/importUpload.ts"
import type { AppEnv } from "../AppEnv.ts"
import * as Body from "../../shared/Body.ts"
import type { Deps } from "../Deps.ts"
import * as Serialize from "../Serialize.ts"
import * as Respond from "../respond.ts"
import * as Confirm from "./confirm.ts"
import { only } from "./notAllowed.ts"
import * as Owned from "./owned.ts"

const DOCS = "/api/docs#services"
const NOT_USED = "Not used. To activate or deactivate a service, change active_until with POST /api/services/<uid>/modify; to delete its bills and intervals, use /api/services/<uid>/reset."

const DATE_HELP = "Use an ISO 8601 timestamp (2014-01-01T01:01:01.123456+00:00 or ...Z) or a date YYYY-MM-DD (midnight UTC)."

const queryTime = (value: string | undefined, field: string): Timestamp.Micros | undefined => {
  if (value === undefined || value === "") return undefined
  const t = Timestamp.parseDateOrTimestamp(Body.restorePlus(value))
  if (t === undefined) throw invalidField(field, `Invalid "${field}": "${value}". ${DATE_HELP}`)
  return t
}

const billFormat: Respond.StreamFormat<Store.BillRecord> = {
  json: (b) => JSON.stringify(Serialize.bill(b)),
  csvColumns: Bill.csvColumns,
  csvRow: (b) => {
    const o = Serialize.bill(b) as Record<string, unknown>
    return Bill.csvColumns.map((k) => o[k])
  }
}

const intervalFormat: Respond.StreamFormat<Store.IntervalRecord> = {
  json: Serialize.intervalJsonText,
  csvColumns: Interval.csvColumns,
  csvRow: Serialize.intervalCsvRow,
  csvText: Serialize.intervalCsvText
}

export const services = (deps: Deps) => {
  const { api } = deps
  const app = new Hono<AppEnv>()

  app.get("/", async (c) => {
    const list = await Owned.servicesWithAccounts(api, c.get("userUid"))
    return Respond.send(c, list.map(({ service, account }) => Serialize.serviceFast(service, account)), Service.csvColumns)
  })
  only(app, "/", ["GET"], NOT_USED)

  // Before "/:uid", which would take "import" for a service uid.
  app.post("/import", async (c) => {
    const result = await importGreenButton(api, api.run, c.req.raw, c.get("userUid"), "real_name")
    const services = await api.run(Store.Store.use((s) => s.listServices(c.get("userUid"))))
    return Respond.send(c, {
      account: Serialize.account(result.account),
      services: services.filter((s) => s.account_uid === result.account.uid).map((s) => Serialize.serviceFast(s, result.account)),
      created: result.created,
      bills: result.bills,
      intervals: result.intervals
    }, undefined, result.created ? 201 : 200)
  })
  only(app, "/import", ["POST"], "POST a customer's Green Button file (XML, CSV or the .zip as downloaded) as multipart/form-data: \"file\", and \"real_name\", the customer's name.")

  // The hottest read of the API: its JSON is written once per version of the service and its account.
  const serviceJson = identityMemo((service: Store.ServiceWithFigures, account: Store.AccountRecord) =>
    JSON.stringify(Serialize.serviceFast(service, account))
  )
  app.get("/:uid", async (c) => {
    const { service, account } = await Owned.serviceWithAccount(api, c.get("userUid"), c.req.param("uid"))
    return Respond.sendJsonText(c, () => serviceJson(service.uid, service, account), () => Serialize.serviceFast(service, account), Service.csvColumns)
  })
  only(app, "/:uid", ["GET"], NOT_USED)

  app.get("/:uid/bills", async (c) => {
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    return Respond.sendStream(c, api, Stream.unwrap(Store.Store.useSync((st) => st.streamBills(s.uid))), billFormat)
  })
  only(app, "/:uid/bills", ["GET"], "Not used. To remove the billing history of a service, use /api/services/<uid>/reset.")

  app.get("/:uid/intervals", async (c) => {
    const start = queryTime(c.req.query("start"), "start")
    const end = queryTime(c.req.query("end"), "end")
    const direction = c.req.query("direction") ?? "delivered"
    if (direction !== "delivered" && direction !== "received") {
      throw invalidField("direction", `"direction" must be "delivered" (energy from the grid, the default) or "received" (exported to the grid).`)
    }
    if (start !== undefined && end !== undefined && end < start) throw invalidField("end", "\"end\" must not be before \"start\".")
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    const query: Store.IntervalQuery = {
      flow: direction,
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end })
    }
    return Respond.sendStream(c, api, Stream.unwrap(Store.Store.useSync((st) => st.streamIntervals(s.uid, query))), intervalFormat)
  })
  only(app, "/:uid/intervals", ["GET"], "Not used. To remove the interval history of a service, use /api/services/<uid>/reset.")

  app.get("/:uid/modify", async (c) => {
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(c, {
      help: "POST active_until (ISO 8601, or \"now\" to collect once and stop) and/or update_data to /api/services/<uid>/modify.",
      docs: DOCS,
      uid: s.uid,
      active_until: s.active_until === null ? null : Timestamp.format(s.active_until),
      fields: [
        { name: "active_until", type: "datetime", help: "In the future: collect periodically until then. In the past: inactive. \"now\": collect once. Not after the account's auth_expires." },
        { name: "update_data", type: "boolean", help: "Default true: collect bills and intervals now if the service is active" }
      ]
    })
  })

  app.post("/:uid/modify", async (c) => {
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    const raw = Body.optionalString(body, "active_until")
    let active_until: Timestamp.Micros | "now" | undefined
    if (raw !== undefined && raw.trim().toLowerCase() === "now") active_until = "now"
    else active_until = Body.optionalTimestamp(body, "active_until")
    const update_data = Body.optionalBoolean(body, "update_data")
    await api.run(Collection.modifyService(s.uid, {
      ...(active_until === undefined ? {} : { active_until }),
      ...(update_data === undefined ? {} : { update_data })
    }))
    const after = await Owned.serviceWithAccount(api, c.get("userUid"), s.uid)
    return Respond.send(c, Serialize.service(after.service, after.account), Service.csvColumns)
  })
  only(app, "/:uid/modify", ["GET", "POST"], "GET /api/services/<uid>/modify lists the options; POST to it modifies the service.")

  app.get("/:uid/reset", async (c) => {
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    return Respond.send(
      c,
      await Confirm.issue(deps, c, "reset_service", s.uid, `POST this code as "code" to /api/services/${s.uid}/reset within 10 minutes to deactivate the service and delete all its bills and intervals.`)
    )
  })

  app.post("/:uid/reset", async (c) => {
    const s = await Owned.service(api, c.get("userUid"), c.req.param("uid"))
    const body = await Body.read(c)
    await Confirm.redeem(deps, c, body, "reset_service", s.uid, `/api/services/${s.uid}/reset`)
    await api.run(Collection.resetService(s.uid))
    const after = await Owned.serviceWithAccount(api, c.get("userUid"), s.uid)
    return Respond.send(c, Serialize.service(after.service, after.account), Service.csvColumns)
  })
  only(app, "/:uid/reset", ["GET", "POST"], "GET /api/services/<uid>/reset for a confirmation code, then POST it to the same URL.")

  return app
}
