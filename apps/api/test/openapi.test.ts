/**
 * `/api/openapi.json`: Redocly's recommended rules find no error, and the
 * live responses of a walk through v1 and v2 (over collected DEMO data and a
 * test-submitted form) all have documented status codes and validate against
 * the documented schemas (Ajv, JSON Schema 2020-12).
 */
import { describe, expect, it } from "vitest"
import { createConfig, lintFromString } from "@redocly/openapi-core"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import * as H from "./harness.ts"

type Json = Record<string, any>

describe("the OpenAPI document", async () => {
  const h = await H.make()
  const doc = (await (await h.request("/api/openapi.json")).json()) as Json

  it("is OpenAPI 3.1 that Redocly's recommended rules accept", async () => {
    expect(doc["openapi"]).toBe("3.1.0")
    const problems = await lintFromString({ source: JSON.stringify(doc), config: await createConfig({ extends: ["recommended"] }) })
    const errors = problems.filter((p) => p.severity === "error")
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([])
  })

  it("documents every live response of a walk through v1 and v2, and each validates", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(ajv)
    ajv.addSchema(doc, "openapi")
    const templates = Object.keys(doc["paths"]).map((p) => ({ p, re: new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`) }))
    const operation = (method: string, path: string) => {
      // v1's `.json` suffix is the JSON the bare path answers; its `.csv` paths are documented as they are.
      const bare = path.startsWith("/api/v2/") ? path : path.replace(/\.json$/, "")
      // A literal segment wins over a parameter (`/meters/historical-collection` over `/meters/{uid}`).
      const match = templates.filter((t) => t.re.test(bare)).sort((a, b) => a.p.split("{").length - b.p.split("{").length)[0]
      return match && doc["paths"][match.p][method.toLowerCase()]
    }
    const checked: Array<string> = []
    const call = async (path: string, init: Parameters<H.Harness["request"]>[1] = {}) => {
      const res = await h.request(path, init)
      const method = init.method ?? "GET"
      const op = operation(method, new URL(path, H.BASE).pathname)
      expect(op, `${method} ${path} is documented`).toBeDefined()
      const documented = op.responses[String(res.status)]
      expect(documented, `${method} ${path} answered ${res.status}, which is not documented`).toBeDefined()
      const type = (res.headers.get("content-type") ?? "").split(";")[0]!
      const media = documented.content?.[type]
      expect(media, `${method} ${path} answered ${type}, which is not documented for ${res.status}`).toBeDefined()
      const text = await res.text()
      if (type === "application/json") {
        // The response schema's refs point into the document, which Ajv holds as "openapi".
        const validate = ajv.compile(JSON.parse(JSON.stringify(media.schema).replaceAll("\"#/components/", "\"openapi#/components/")))
        const body = JSON.parse(text)
        expect(validate(body), `${method} ${path}: ${ajv.errorsText(validate.errors).slice(0, 600)}`).toBe(true)
      }
      checked.push(`${method} ${path} ${res.status}`)
      return text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text
    }

    const u = await h.addUser("walk@example.com")
    const t = { token: u.token }
    const account = await H.addDemoAccount(h, u.token)
    await h.drain()
    await call("/api/accounts.json", t)
    await call(`/api/accounts/${account.uid}.json`, t)
    await call("/api/accounts/add.json", t)
    const services = await call("/api/services.json", t) as Array<Json>
    const s = services[0]!["uid"]
    await call(`/api/services/${s}.json`, t)
    await call(`/api/services/${s}/bills.json`, t)
    await call(`/api/services/${s}/bills.csv`, t)
    await call(`/api/services/${s}/intervals.json?start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z`, t)
    await call("/api/users.json", t)
    await call("/api/tokens.json", t)
    await call("/api/tokens/new.json", { ...t, method: "POST", json: {} })
    await call("/api/registrations.json", t)
    await call("/api/accounts/nope.json", t)
    await call("/api/accounts.json")
    await call("/api/docs.json")

    const template = await call("/api/v2/templates", { ...t, method: "POST", json: { company_name: "Acme", redirect_uris: ["https://acme.example/back"] } }) as Json
    await call("/api/v2/templates", t)
    await call(`/api/v2/templates/${template["uid"]}`, t)
    const form = await call("/api/v2/forms", { ...t, method: "POST", json: { template_uid: template["uid"], utility: "DEMO" } }) as Json
    await call("/api/v2/forms", t)
    await call(`/api/v2/forms/${form["uid"]}`, t)
    const submitted = await call(`/api/v2/forms/${form["uid"]}/test-submit`, { ...t, method: "POST", json: { utility: "DEMO", scenario: "residential" } }) as Json
    await h.drain()
    await call("/api/v2/authorizations?include=meters", t)
    await call(`/api/v2/authorizations/${submitted["authorization_uid"]}`, t)
    const meters = await call(`/api/v2/meters?authorizations=${submitted["authorization_uid"]}`, t) as Json
    const m = meters["meters"][0]["uid"]
    await call("/api/v2/meters/historical-collection", { ...t, method: "POST", json: { meters: [m], collection_duration: 12 } })
    await h.drain()
    await call(`/api/v2/meters/${m}`, t)
    await call(`/api/v2/bills?meters=${m}`, t)
    await call(`/api/v2/intervals?meters=${m}&start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z`, t)
    await call(`/api/v2/files/intervals_csv?meters=${m}`, t)
    await call(`/api/v2/meters/nope`, t)
    await call(`/api/v2/forms`, { ...t, method: "POST", json: { utility: "NOPE" } })
    await call(`/api/v2/authorizations/${submitted["authorization_uid"]}/revoke`, { ...t, method: "POST" })
    await call("/api/v2/meters")
    expect(checked.length).toBeGreaterThan(30)
  })
})
