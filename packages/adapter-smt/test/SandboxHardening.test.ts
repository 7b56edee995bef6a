/** In test mode the SMT sandbox is public: its mail, its ids and its memory must not be open to whoever asks. */
import { describe, expect, it } from "vitest"
import { makeSandbox, MAX_AGREEMENTS, MAX_MAILS } from "../src/SmtSandbox.ts"

const make = () => makeSandbox()
type Sandbox = ReturnType<typeof make>

const post = (sandbox: Sandbox, path: string, body: Record<string, unknown>) =>
  sandbox.app.request(path, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${sandbox.username}:${sandbox.password}`)}`, "content-type": "application/json" },
    body: JSON.stringify({ trans_id: "t", requestorID: sandbox.requestorId, requesterAuthenticationID: sandbox.duns, ...body })
  })

const newAgreement = async (sandbox: Sandbox, email = "tex@example.com") => {
  const response = await post(sandbox, "/NewAgreement/", {
    customerMeterList: [{ ESIID: "10443720000000001", meterNumber: "112233445LG", PUCTRORNumber: "Reliant" }],
    retailCustomerEmail: email
  })
  return ((await response.json()) as { agreementID: string }).agreementID
}

describe("SMT sandbox: agreement ids and the outbox", () => {
  it("gives agreements 128-bit random ids", async () => {
    const sandbox = make()
    const ids = [await newAgreement(sandbox), await newAgreement(sandbox), await newAgreement(sandbox)]
    for (const id of ids) expect(id).toMatch(/^AG[0-9A-F]{32}$/)
    expect(new Set(ids).size).toBe(3)
  })

  it("never lists the whole outbox; one agreement's mail is shown to whoever knows its id", async () => {
    const sandbox = make()
    const mine = await newAgreement(sandbox, "me@example.com")
    await newAgreement(sandbox, "someone.else@example.com")
    const all = await sandbox.app.request("/outbox")
    expect(all.status).toBe(404)
    expect(await all.text()).not.toContain("@example.com")
    const scoped = (await (await sandbox.app.request(`/outbox/${mine}`)).json()) as Array<{ to: string; confirmUrl: string }>
    expect(scoped.map((e) => e.to)).toEqual(["me@example.com"])
    expect(scoped[0]!.confirmUrl).toContain(mine)
    expect(await (await sandbox.app.request("/outbox/AG00000001")).json()).toEqual([])
    // The address the customer typed finds only their own mail.
    const byAddress = (await (await sandbox.app.request("/outbox?email=ME@example.com")).json()) as Array<{ to: string }>
    expect(byAddress.map((e) => e.to)).toEqual(["me@example.com"])
  })

  it("keeps at most MAX_MAILS mails and MAX_AGREEMENTS agreements, dropping the oldest", async () => {
    const sandbox = make()
    const first = await newAgreement(sandbox)
    for (let i = 0; i < MAX_AGREEMENTS; i++) await newAgreement(sandbox)
    expect(sandbox.outbox.length).toBe(MAX_MAILS)
    expect(sandbox.agreements.all().length).toBe(MAX_AGREEMENTS)
    expect(sandbox.agreements.get(first)).toBeUndefined()
    expect((await sandbox.app.request(`/agreements/${first}/confirm`)).status).toBe(404)
  }, 120_000)
})

describe("SMT sandbox: read ranges", () => {
  it("refuses a range longer than SMT's ad hoc maximum, even one spanning millennia", async () => {
    const sandbox = make()
    for (const [startDate, endDate] of [["01/01/2023", "12/31/2024"], ["01/01/0100", "12/31/9999"]]) {
      const response = await post(sandbox, "/15minintervalreads/", { esiid: ["123456789"], startDate, endDate, readingType: "A" })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { data: { errorMessage: string } }).data.errorMessage).toMatch(/maximum of 365 days/)
    }
  })
})
