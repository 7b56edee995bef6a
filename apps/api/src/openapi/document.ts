/**
 * The OpenAPI 3.1 description of v1 (`/api`) and v2 (`/api/v2`), served at
 * `/api/openapi.json`. Every object's schema is generated from the Effect
 * Schema the API encodes with (core's entities for v1, `v2/schemas.ts` for
 * v2): one source. The operations table below lists paths, parameters and
 * the status codes each can answer.
 */
import { Schema } from "effect"
import { Account, Bill, Interval, Service, Token, User } from "@meterbridge/core"
import * as V2 from "../v2/schemas.ts"

const V1Error = Schema.Struct({
  error: Schema.String.annotate({ description: "A machine code such as invalid_field, not_found, rate_limited" }),
  message: Schema.String,
  field: Schema.optionalKey(Schema.String.annotate({ description: "The input field at fault" }))
}).annotate({ identifier: "V1Error" })

/** Any JSON object (help texts, option lists): documented by prose. */
const Anything = Schema.Record(Schema.String, Schema.Unknown).annotate({ identifier: "Object" })

/** Every schema the document names, by component name. */
const COMPONENTS = {
  Account: Account.Account,
  Service: Service.Service,
  Bill: Bill.Bill,
  Interval: Interval.Interval,
  Token: Token.Token,
  User: User.User,
  V1Error,
  Object: Anything,
  Template: V2.Template,
  Form: V2.Form,
  Authorization: V2.Authorization,
  AuthorizationWithMeters: V2.AuthorizationWithMeters,
  Meter: V2.Meter,
  V2Bill: V2.Bill,
  Intervals: V2.Intervals,
  TemplateList: V2.TemplateList,
  FormList: V2.FormList,
  AuthorizationList: V2.AuthorizationList,
  MeterList: V2.MeterList,
  BillList: V2.BillList,
  IntervalList: V2.IntervalList,
  Success: V2.Success,
  TestSubmitted: V2.TestSubmitted,
  CollectionAccepted: V2.CollectionAccepted,
  V2Error: V2.Error
} as const
export type ComponentName = keyof typeof COMPONENTS

type Json = { readonly [k: string]: unknown }

/** Effect's JSON codec writes a non-finite number as a string; JSON has no such numbers and the API never writes one. */
const isNonFiniteBranch = (v: unknown) =>
  v !== null && typeof v === "object" && (v as Json)["type"] === "string" && JSON.stringify((v as Json)["enum"]) === JSON.stringify(["Infinity", "-Infinity", "NaN"])

/** Refs into `components`, and number unions without their non-finite string branch. */
const rewrite = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewrite)
  if (value === null || typeof value !== "object") return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === "$ref" && typeof v === "string"
      ? v.replace("#/$defs/", "#/components/schemas/")
      : k === "anyOf" && Array.isArray(v)
      ? v.filter((b) => !isNonFiniteBranch(b)).map(rewrite)
      : rewrite(v)
  }
  const anyOf = out["anyOf"]
  if (Array.isArray(anyOf) && anyOf.length === 1 && Object.keys(out).length === 1) return anyOf[0]
  return out
}

/** The components: each schema generated once; definitions they share appear once too. */
const components = (): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(COMPONENTS)) {
    const doc = Schema.toJsonSchemaDocument(schema as Schema.Top)
    for (const [def, s] of Object.entries(doc.definitions)) out[def] ??= rewrite(s)
    // A root that is itself a named definition is a $ref to it; keep the definition under the component's name.
    const root = doc.schema as Json
    const ref = typeof root["$ref"] === "string" ? (root["$ref"] as string).replace("#/$defs/", "") : undefined
    out[name] = ref !== undefined && ref !== name ? { $ref: `#/components/schemas/${ref}` } : ref === name ? out[name] : rewrite(root)
  }
  return out
}

// ---------------------------------------------------------------------------
// Operations

type Surface = "v1" | "v2"
type Ok = ComponentName | readonly [ComponentName] | "csv" | "html"

interface Op {
  readonly method: "get" | "post" | "patch" | "delete"
  readonly path: string
  readonly summary: string
  readonly ok: Ok
  /** v1 answers CSV too: the path with a `.csv` suffix is documented as an operation of its own. */
  readonly csv?: boolean
  readonly errors?: ReadonlyArray<number>
  readonly public?: boolean
  readonly query?: ReadonlyArray<readonly [string, string]>
  readonly body?: string
}

const V1_ERRORS = [400, 401, 404, 405, 413, 429] as const
const V2_ERRORS = [400, 401, 404, 413, 429] as const

const v1: ReadonlyArray<Op> = [
  { method: "get", path: "/api/docs", summary: "The documentation tree", ok: "Object", public: true },
  { method: "get", path: "/api/accounts", summary: "Your accounts", ok: ["Account"], csv: true },
  { method: "get", path: "/api/accounts/add", summary: "Utilities and their access fields", ok: "Object" },
  { method: "post", path: "/api/accounts/add", summary: "Add an account", ok: "Account", errors: [403, 502, 503], body: "utility, auth_type, real_name or 3rdparty_file, and one set of the utility's access fields" },
  { method: "get", path: "/api/accounts/{uid}", summary: "One account", ok: "Account", csv: true },
  { method: "get", path: "/api/accounts/{uid}/modify", summary: "What can change", ok: "Object" },
  { method: "post", path: "/api/accounts/{uid}/modify", summary: "Change an account", ok: "Account", errors: [502, 503], body: "authorization or access fields; update_services, update_data" },
  { method: "get", path: "/api/accounts/{uid}/delete", summary: "A confirmation code for deleting", ok: "Object" },
  { method: "post", path: "/api/accounts/{uid}/delete", summary: "Delete an account and its data", ok: "Object", errors: [403], body: "code" },
  { method: "get", path: "/api/services", summary: "Your services", ok: ["Service"], csv: true },
  { method: "get", path: "/api/services/{uid}", summary: "One service", ok: "Service", csv: true },
  { method: "get", path: "/api/services/{uid}/bills", summary: "A service's bills", ok: ["Bill"], csv: true },
  { method: "get", path: "/api/services/{uid}/intervals", summary: "A service's intervals (streamed)", ok: ["Interval"], csv: true, query: [["start", "ISO 8601; readings starting at or after"], ["end", "ISO 8601; readings starting before"]] },
  { method: "get", path: "/api/services/{uid}/modify", summary: "What can change", ok: "Object" },
  { method: "post", path: "/api/services/{uid}/modify", summary: "Change a service", ok: "Service", body: "active_until" },
  { method: "get", path: "/api/services/{uid}/reset", summary: "A confirmation code for resetting", ok: "Object" },
  { method: "post", path: "/api/services/{uid}/reset", summary: "Delete a service's data and collect again", ok: "Object", errors: [403], body: "code" },
  { method: "get", path: "/api/users", summary: "You", ok: ["User"], csv: true },
  { method: "get", path: "/api/users/new", summary: "The sign-up form's fields and CSRF token", ok: "Object", public: true },
  { method: "post", path: "/api/users/new", summary: "Sign up with an invite", ok: "User", public: true, errors: [403, 409], body: "email, password, invite, csrf_token" },
  { method: "get", path: "/api/users/{uid}", summary: "One user", ok: "User", csv: true },
  { method: "get", path: "/api/users/{uid}/modify", summary: "What can change", ok: "Object" },
  { method: "post", path: "/api/users/{uid}/modify", summary: "Change your email or password", ok: "User", errors: [403, 409], body: "email, password, current_password" },
  { method: "get", path: "/api/tokens", summary: "Your tokens", ok: ["Token"], csv: true },
  { method: "get", path: "/api/tokens/new", summary: "The options of a new token", ok: "Object" },
  { method: "post", path: "/api/tokens/new", summary: "Create a token (browser sessions only)", ok: "Object", errors: [403], body: "type, expires" },
  { method: "get", path: "/api/tokens/{uid}", summary: "One token", ok: "Token", csv: true },
  { method: "get", path: "/api/tokens/{uid}/modify", summary: "What can change", ok: "Object" },
  { method: "post", path: "/api/tokens/{uid}/modify", summary: "Expire a token", ok: "Token", body: "expires" },
  { method: "get", path: "/api/registrations", summary: "Your registrations with utilities", ok: ["Object"], csv: true }
]

const LIST_QUERY = [["after", "The uid after which the page starts (see next)"], ["limit", "Page size"]] as const

const v2: ReadonlyArray<Op> = [
  { method: "get", path: "/api/v2/templates", summary: "Your templates", ok: "TemplateList", query: LIST_QUERY },
  { method: "post", path: "/api/v2/templates", summary: "Create a template", ok: "Template", body: "company_name, company_logo, company_email, description, redirect_uris" },
  { method: "get", path: "/api/v2/templates/{uid}", summary: "One template", ok: "Template" },
  { method: "delete", path: "/api/v2/templates/{uid}", summary: "Delete a template", ok: "Success" },
  { method: "get", path: "/api/v2/forms", summary: "Your forms", ok: "FormList", query: [...LIST_QUERY, ["templates", "Template uids, comma separated"], ["is_archived", "true or false"]] },
  { method: "post", path: "/api/v2/forms", summary: "Create a form (a customer link)", ok: "Form", body: "template_uid, customer_email, utility, scope" },
  { method: "get", path: "/api/v2/forms/{uid}", summary: "One form", ok: "Form" },
  { method: "delete", path: "/api/v2/forms/{uid}", summary: "Delete a form", ok: "Success" },
  { method: "post", path: "/api/v2/forms/{uid}/test-submit", summary: "Submit a form as a test customer", ok: "TestSubmitted", body: "utility, scenario" },
  { method: "get", path: "/api/v2/authorizations", summary: "Your authorizations", ok: "AuthorizationList", query: [...LIST_QUERY, ["include", "meters"], ["forms", "Form uids"], ["templates", "Template uids"], ["is_archived", "true or false"]] },
  { method: "get", path: "/api/v2/authorizations/{uid}", summary: "One authorization", ok: "AuthorizationWithMeters", query: [["include", "meters"]] },
  { method: "patch", path: "/api/v2/authorizations/{uid}", summary: "Archive or nickname an authorization", ok: "AuthorizationWithMeters", body: "is_archived, nickname" },
  { method: "post", path: "/api/v2/authorizations/{uid}/revoke", summary: "Revoke an authorization", ok: "Authorization" },
  { method: "delete", path: "/api/v2/authorizations/{uid}", summary: "Delete a test authorization", ok: "Success", errors: [403] },
  { method: "get", path: "/api/v2/meters", summary: "Your meters", ok: "MeterList", query: [...LIST_QUERY, ["authorizations", "Authorization uids"], ["is_archived", "true or false"]] },
  { method: "get", path: "/api/v2/meters/{uid}", summary: "One meter", ok: "Meter" },
  { method: "patch", path: "/api/v2/meters/{uid}", summary: "Archive a meter", ok: "Meter", body: "is_archived" },
  { method: "post", path: "/api/v2/meters/historical-collection", summary: "Collect meters' history", ok: "CollectionAccepted", body: "meters, collection_duration" },
  { method: "post", path: "/api/v2/meters/ongoing-monitoring", summary: "Set meters' monitoring", ok: "CollectionAccepted", body: "meters, frequency" },
  { method: "get", path: "/api/v2/bills", summary: "Bills of chosen meters", ok: "BillList", query: [...LIST_QUERY, ["meters", "Meter uids"], ["authorizations", "Authorization uids"], ["start", "ISO 8601"], ["end", "ISO 8601"]] },
  { method: "get", path: "/api/v2/intervals", summary: "Interval readings of chosen meters (streamed)", ok: "IntervalList", query: [...LIST_QUERY, ["meters", "Meter uids"], ["authorizations", "Authorization uids"], ["start", "ISO 8601"], ["end", "ISO 8601"]] },
  { method: "get", path: "/api/v2/files/intervals_csv", summary: "Intervals as CSV", ok: "csv", query: [["meters", "Meter uids"], ["authorizations", "Authorization uids"]] },
  { method: "get", path: "/api/v2/files/billing_summaries_csv", summary: "Bills as CSV", ok: "csv", query: [["meters", "Meter uids"], ["authorizations", "Authorization uids"]] },
  { method: "get", path: "/api/v2/files/meters_bills_csv", summary: "Bills as CSV", ok: "csv", query: [["meters", "Meter uids"], ["authorizations", "Authorization uids"]] },
  { method: "get", path: "/api/v2/files/meters_lineitems_csv", summary: "Bill line items as CSV", ok: "csv", query: [["meters", "Meter uids"], ["authorizations", "Authorization uids"]] }
]

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` })

const operation = (surface: Surface, op: Op) => {
  const tag = surface === "v1" ? `v1 ${op.path.split("/")[2]}` : `v2 ${op.path.split("/")[3]}`
  const errorSchema = ref(surface === "v1" ? "V1Error" : "V2Error")
  const okContent = op.ok === "csv"
    ? { "text/csv": { schema: { type: "string" } } }
    : op.ok === "html"
    ? { "text/html": { schema: { type: "string" } } }
    : {
      "application/json": { schema: typeof op.ok === "string" ? ref(op.ok) : { type: "array", items: ref(op.ok[0]) } }
    }
  const statuses = [...new Set([...(surface === "v1" ? V1_ERRORS : V2_ERRORS), ...(op.errors ?? [])])].sort()
  const params = [
    ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } })),
    ...(op.query ?? []).map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } }))
  ]
  return {
    operationId: `${surface}_${op.method}_${op.path.replace(/^\/api(\/v2)?\//, "").replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+/g, "_")}`,
    summary: op.summary,
    tags: [tag],
    ...(op.public ? { security: [] } : {}),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(op.body === undefined
      ? {}
      : {
        requestBody: {
          required: true,
          description: `Fields: ${op.body}.`,
          content: {
            "application/json": { schema: ref("Object") },
            ...(surface === "v1" ? { "application/x-www-form-urlencoded": { schema: ref("Object") } } : {})
          }
        }
      }),
    responses: {
      "200": { description: "OK", content: okContent },
      ...Object.fromEntries(statuses.map((s) => [String(s), { description: STATUS_TEXT[s] ?? "Error", content: { "application/json": { schema: errorSchema } } }]))
    }
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad request: a parameter is missing or invalid",
  401: "No valid API token",
  403: "Not allowed",
  404: "Not found",
  405: "Method not allowed here",
  409: "Conflict",
  413: "Request body too large",
  429: "Too many requests (see Retry-After)",
  502: "The utility failed",
  503: "The utility is unavailable"
}

/** The document for a server at `baseUrl`. */
export const document = (baseUrl: string) => {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [surface, ops] of [["v1", v1], ["v2", v2]] as const) {
    for (const op of ops) {
      (paths[op.path] ??= {})[op.method] = operation(surface, op)
      if (op.csv) {
        const csv = { ...op, path: `${op.path}.csv`, summary: `${op.summary} (CSV)`, ok: "csv" as const, csv: false }
        ;(paths[csv.path] ??= {})[op.method] = operation(surface, csv)
      }
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Meterbridge API",
      version: "1.0.0",
      description:
        "Utility meters, bills and interval data, self-hosted. v1 (`/api`) follows UtilityAPI's v1 (accounts and services; `.json`/`.csv` suffixes or `Accept` choose the format); v2 (`/api/v2`) its v2 (templates, forms, authorizations, meters, bills, intervals).",
      license: { name: "MIT", identifier: "MIT" }
    },
    servers: [{ url: baseUrl }],
    security: [{ token: [] }],
    tags: [...new Set([...v1, ...v2].map((op) => operation(op.path.startsWith("/api/v2/") ? "v2" : "v1", op).tags[0]!))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        token: { type: "http", scheme: "bearer", description: "An API token: `Authorization: Bearer <token>` (also `Token <token>`, Basic `<token>:` or `?access_token=`)." }
      },
      schemas: components()
    }
  }
}
