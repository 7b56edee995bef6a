/** Runs a sandbox on 127.0.0.1, port 0, for one test file. */
import { serve } from "@hono/node-server"
import type { AddressInfo } from "node:net"
import { makeSandbox, type Sandbox, type SandboxOptions } from "../src/SmtSandbox.ts"
import * as SmtCollector from "../src/SmtCollector.ts"

export interface RunningSandbox {
  readonly sandbox: Sandbox
  readonly url: string
  /** A collector pointed at this sandbox with its login. */
  readonly collector: (overrides?: Partial<SmtCollector.SmtCollectorOptions>) => SmtCollector.SmtCollector
  readonly close: () => Promise<void>
}

export const startSandbox = async (options: SandboxOptions = {}): Promise<RunningSandbox> => {
  const sandbox = makeSandbox(options)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: sandbox.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s))
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const collector = (overrides: Partial<SmtCollector.SmtCollectorOptions> = {}) =>
    SmtCollector.make({
      baseUrl: url,
      username: sandbox.username,
      password: sandbox.password,
      requestorId: sandbox.requestorId,
      duns: sandbox.duns,
      ...overrides
    })
  const close = () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())))
  return { sandbox, url, collector, close }
}

/** Clicks the confirmation link of the last email the sandbox sent for `agreementId`. */
export const clickEmailLink = async (
  sandbox: Sandbox,
  agreementId: string,
  which: "confirmUrl" | "declineUrl" = "confirmUrl"
) => {
  const email = sandbox.outbox.findLast((e) => e.agreementId === agreementId)
  if (!email) throw new Error(`the sandbox sent no email for agreement ${agreementId}`)
  const res = await fetch(email[which])
  if (!res.ok) throw new Error(`${which} answered HTTP ${res.status}`)
  return res
}
