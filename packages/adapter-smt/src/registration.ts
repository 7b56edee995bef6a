/**
 * SMT in a server. Live: `SMT_USERNAME`, `SMT_PASSWORD`, `SMT_REQUESTOR_ID`,
 * `SMT_DUNS` (and optionally `SMT_BASE_URL`, the client certificate
 * `SMT_TLS_CERT` / `SMT_TLS_KEY`); with none set, test mode against the
 * sandbox, whose 24 months (what SMT keeps) run up to yesterday.
 */
import { Config, Option } from "effect"
import { Registration } from "@meterbridge/core"
import * as SmtCollector from "./SmtCollector.ts"
import * as SmtSandbox from "./SmtSandbox.ts"

export const registration = Registration.make({
  utility: "SMT",
  slug: "smt",
  settings: Config.all({
    login: Registration.credentials("SMT", ["USERNAME", "PASSWORD", "REQUESTOR_ID", "DUNS"]),
    baseUrl: Config.String("SMT_BASE_URL").pipe(Config.withDefault("https://services.smartmetertexas.net")),
    tls: Registration.tls("SMT")
  }).pipe(
    Config.map(({ login, baseUrl, tls }) =>
      Option.map(login, (l) => ({ baseUrl, username: l.USERNAME, password: l.PASSWORD, requestorId: l.REQUESTOR_ID, duns: l.DUNS, ...tls })))
  ),
  live: (settings) => SmtCollector.make(settings),
  testMode: (sandboxUrl, host) => {
    const sandbox = SmtSandbox.makeSandbox({
      publicBaseUrl: sandboxUrl,
      firstDate: Registration.dayBefore(host.nowMs, 730),
      lastDate: Registration.dayBefore(host.nowMs, 1)
    })
    return {
      app: sandbox.app,
      collector: (baseUrl, fetch) =>
        SmtCollector.make({ baseUrl, fetch, username: sandbox.username, password: sandbox.password, requestorId: sandbox.requestorId, duns: sandbox.duns })
    }
  }
})
