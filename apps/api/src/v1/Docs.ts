/** The documentation object served at `GET /api/docs`: sections of markdown, one per topic, object and endpoint. */
import type { Doc } from "@meterbridge/core"
import { Account, Bill, Interval, Service, Token, User } from "@meterbridge/core"

const section = (title: string, anchor: string, ...contents: ReadonlyArray<string | Doc.Doc>): Doc.Doc => ({
  type: "section",
  title,
  anchor,
  contents
})

const csvNote = (columns: ReadonlyArray<string>) => `CSV columns, in order: ${columns.map((c) => `\`${c}\``).join(", ")}.`

interface Endpoint {
  readonly method: "GET" | "POST"
  readonly path: string
  readonly text: string
}

const endpoint = (e: Endpoint) =>
  section(`${e.method} ${e.path}`, `${e.method}-${e.path}`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-$/, ""), e.text)

const NOT_USED = "Not used: answers 405 with the endpoint to use instead."

const endpoints: ReadonlyArray<readonly [string, string, ReadonlyArray<Endpoint>]> = [
  ["Accounts", "endpoints-accounts", [
    { method: "GET", path: "/api/accounts", text: "The Accounts you added." },
    { method: "POST", path: "/api/accounts", text: NOT_USED },
    { method: "GET", path: "/api/accounts/add", text: "The utilities and their access fields (`options`: alternative sets of fields). Utilities that need a third-party registration carry `registration`: `pending` or `live`." },
    { method: "POST", path: "/api/accounts/add", text: "Adds an Account: `utility`, `auth_type` (`owner` with `real_name`, or `3rdparty` with a base64 `3rdparty_file`) and one complete set of the utility's access fields. Consent-based utilities (Green Button Connect) return the Account `pending` with `authorization_url`, the page the customer must visit; a utility that needs a live registration answers 403 `registration_not_live` until the operator sets it." },
    { method: "GET", path: "/api/accounts/<uid>", text: "One Account." },
    { method: "POST", path: "/api/accounts/<uid>", text: "Not implemented: use /api/accounts/add or /api/accounts/<uid>/modify." },
    { method: "GET", path: "/api/accounts/<uid>/modify", text: "The fields that can change." },
    { method: "POST", path: "/api/accounts/<uid>/modify", text: "Changes the authorization or access fields. `update_services` and `update_data` (default true) re-collect the services and their data." },
    { method: "GET", path: "/api/accounts/<uid>/delete", text: "A confirmation code (`code`, `expires`, `help`), valid 10 minutes, for this account only." },
    { method: "POST", path: "/api/accounts/<uid>/delete", text: "Deletes the account, its services and all their bills and intervals. Requires `code` from the GET; each code works once." }
  ]],
  ["Services", "endpoints-services", [
    { method: "GET", path: "/api/services", text: "The Services of your accounts." },
    { method: "POST", path: "/api/services", text: NOT_USED },
    { method: "GET", path: "/api/services/<uid>", text: "One Service." },
    { method: "POST", path: "/api/services/<uid>", text: NOT_USED },
    { method: "GET", path: "/api/services/<uid>/bills", text: "The Service's Bills, oldest first. Streamed: the list is never paginated." },
    { method: "POST", path: "/api/services/<uid>/bills", text: "Not used: use /api/services/<uid>/reset." },
    { method: "GET", path: "/api/services/<uid>/intervals", text: "The Service's Intervals, oldest first, streamed. `start`, `end`: ISO 8601 timestamps or `YYYY-MM-DD` dates (midnight UTC); an interval is listed when `start` ≤ `interval_start` < `end`. `direction`: `delivered` (energy from the grid, the default) or `received` (exported to the grid by net-metered services). `interval_count` counts the default list (delivered, no bounds)." },
    { method: "POST", path: "/api/services/<uid>/intervals", text: "Not used: use /api/services/<uid>/reset." },
    { method: "GET", path: "/api/services/<uid>/modify", text: "The fields that can change." },
    { method: "POST", path: "/api/services/<uid>/modify", text: "`active_until`: ISO 8601 (future = monitor until then, past = inactive) or `\"now\"` (collect once). It cannot be after the account's `auth_expires`. `update_data` (default true) collects now when active." },
    { method: "GET", path: "/api/services/<uid>/reset", text: "A confirmation code for resetting this service." },
    { method: "POST", path: "/api/services/<uid>/reset", text: "Sets `active_until` to now and deletes the service's bills and intervals. Requires `code`." }
  ]],
  ["Users", "endpoints-users", [
    { method: "GET", path: "/api/users", text: "A list holding your User." },
    { method: "POST", path: "/api/users", text: "Not implemented: use /api/users/new or /api/users/<uid>/modify." },
    { method: "GET", path: "/api/users/new", text: "Sign-up requirements; sets the CSRF cookie and shows `csrf_token`. No API token needed." },
    { method: "POST", path: "/api/users/new", text: "Creates a User: `invite` (from `meterbridge invites create`, single use), `email`, `password`, `password_confirm`, `csrf_token`, with the cookie from the GET. Passwords are hashed with scrypt (N=2^17, r=8, p=1)." },
    { method: "GET", path: "/api/users/<uid>", text: "Your User (anyone else's is 404)." },
    { method: "POST", path: "/api/users/<uid>", text: "Not implemented: use /api/users/<uid>/modify." },
    { method: "GET", path: "/api/users/<uid>/modify", text: "The fields that can change." },
    { method: "POST", path: "/api/users/<uid>/modify", text: "`password` (current, required), `email`, `new_password` + `new_password_confirm`; returns the user. 403 for a wrong password, 409 for a taken email; `allow_owner` (sub-users) is not supported (400)." }
  ]],
  ["Tokens", "endpoints-tokens", [
    { method: "GET", path: "/api/tokens", text: "Your Tokens." },
    { method: "POST", path: "/api/tokens", text: "Not implemented: use /api/tokens/new or /api/tokens/<uid>/modify." },
    { method: "GET", path: "/api/tokens/new", text: "Options for a new token." },
    { method: "POST", path: "/api/tokens/new", text: "Only browser sessions may create tokens; API tokens get 403 `browser_session_required`. Operators create API tokens with `meterbridge tokens create --user <email>`." },
    { method: "GET", path: "/api/tokens/<uid>", text: "One Token (its secret is never shown again)." },
    { method: "POST", path: "/api/tokens/<uid>", text: "Not implemented: use /api/tokens/<uid>/modify." },
    { method: "GET", path: "/api/tokens/<uid>/modify", text: "The fields that can change." },
    { method: "POST", path: "/api/tokens/<uid>/modify", text: "`expires`: ISO 8601; a time in the past expires the token." }
  ]],
  ["Other", "endpoints-other", [
    { method: "GET", path: "/api/registrations", text: "Your third-party registration status (`pending` or `live`) with each utility that needs one (SMT). The operator sets it with `meterbridge registrations set`." },
    { method: "GET", path: "/api/oauth/callback", text: "Where a utility's consent page returns the customer's browser (`code`, `state`). No API token; answers an HTML page." },
    { method: "GET", path: "/api/docs", text: "This documentation object." }
  ]]
]

export const docs: Doc.Doc = section(
  "Meterbridge API",
  "api",
  "Meterbridge collects utility accounts, services (meters), bills and interval usage and serves them here. Every endpoint lives under `/api`.",
  section(
    "Authorization",
    "authorization",
    "Every endpoint except `/api/users/new`, `/api/oauth/callback` and `/api/docs` needs an API token, in one of three places:",
    "- `Authorization: Token <token>` (recommended; `Bearer <token>` works too)\n- `Authorization: Basic` with the token as user name and an empty password (`curl -u \"<token>:\"`)\n- the query parameter `?access_token=<token>` (kept for compatibility: URLs end up in logs and histories, so prefer a header)",
    "Sending two different tokens in one request is a 400. Unknown, malformed and expired tokens all get the same 401. Tokens look like `mbt_` followed by 28 letters and digits; only their SHA-256 is stored."
  ),
  section(
    "Formats",
    "formats",
    "Append `.json` or `.csv` to any endpoint, or send `Accept: application/json` or `Accept: text/csv`. JSON is the default; any other format is a 406.",
    "CSV leaves out nested fields (each object lists its columns). A field still pending collection is absent from JSON and an empty cell in CSV; a field collected without a value is `null` in JSON and an empty cell in CSV.",
    "Lists are not paginated: bills and intervals stream, so a decade of 15-minute intervals arrives as one response."
  ),
  section(
    "Timestamps",
    "timestamps",
    "Responses write `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`. Requests accept ISO 8601 with a `T` separator and a zone, to the microsecond: `2014-01-01T01:01:01+00:00`, `2014-01-01T01:01:01Z`, `2014-01-01T01:01:01.123456+00:00`. The intervals filters also take `YYYY-MM-DD` (midnight UTC). Percent-encode `+` in URLs and forms (`%2B`); an unencoded one arrives as a space, which is read back as `+` where a zone offset stands."
  ),
  section(
    "Errors",
    "errors",
    "Every failure answers JSON, whatever format was asked: `{\"error\": \"<machine_code>\", \"message\": \"<what happened and what to do>\"}`, plus `\"field\"` when one input field is at fault.",
    "Status codes: 400 bad input (a bad timestamp names the field and the accepted formats); 401 missing or invalid token; 403 not allowed (registration not live, token creation without a browser session, CSRF); 404 no such object (also for objects of other users); 405 endpoint \"not used\"/\"not implemented\" (the message names the right one); 406 unsupported format; 409 conflict; 413 body too large; 415 body type; 429 too many requests (`Retry-After`); 500 server error (no details); 502 the utility failed."
  ),
  section(
    "Rate limits",
    "rate-limits",
    "At most 50 requests in any one second per token; more get 429 with `Retry-After` (seconds). More than 5 wrong confirmation codes in 10 minutes also get 429."
  ),
  section(
    "Objects",
    "objects",
    section("Account", "account", "`uid`, `user_uid`, `utility`, `created`, `auth_type`, `auth`, `auth_expires`, `login`, `latest` (Log; absent until collection said something), and `authorization_url` while a consent is pending.", csvNote(Account.csvColumns)),
    section("Service", "service", "`uid`, `user_uid`, `account_uid`, `account_auth_type`, `account_auth`, `utility`, `created`, `active_until`, `latest`, the utility's details (`utility_service_id`, `utility_tariff_name`, `utility_service_address`, `utility_billing_account`, `utility_billing_contact`, `utility_billing_address`, `utility_meter_number`), `bill_coverage`, `bill_count`, `interval_coverage`, `interval_count`.", csvNote(Service.csvColumns)),
    section("Bill", "bill", "`bill_bill_days` is the number of whole days from `bill_start_date` to `bill_end_date`. `bill_breakdown` holds `line_items` and, where the tariff has them, `tiers` or `time_of_use`.", csvNote(Bill.csvColumns)),
    section("Interval", "interval", "`interval_kW` is the demand the utility measured, or else `interval_kWh` divided by the interval's hours.", csvNote(Interval.csvColumns)),
    section("User", "user", "`password` is always `\"****\"`.", csvNote(User.csvColumns)),
    section("Token", "token", "`type` is `api`, `widget`, `referral`, `admin` or `browser`; `request_count` counts requests made with it (updated about once a second).", csvNote(Token.csvColumns)),
    section("Log", "log", "`type` (`pending`, `updated`, `error`), `message`, `timestamp`."),
    section("Doc", "doc", "`type` (`section`), `title`, `anchor`, `contents` (markdown strings and Docs).")
  ),
  section("Endpoints", "endpoints", ...endpoints.map(([title, anchor, list]) => section(title, anchor, ...list.map(endpoint))))
)
