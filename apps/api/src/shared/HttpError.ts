/**
 * The one error format every failure answers with:
 * `{"error": "<machine_code>", "message": "<human text>", "field"?: "<input field>"}`.
 * Handlers throw an `HttpError`; the app's `onError` writes it.
 */
export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 405 | 406 | 409 | 413 | 415 | 429 | 500 | 501 | 502 | 503

export interface ErrorBody {
  readonly error: string
  readonly message: string
  readonly field?: string
}

export class HttpError extends Error {
  readonly status: ErrorStatus
  readonly code: string
  readonly field: string | undefined
  readonly headers: Readonly<Record<string, string>>

  constructor(status: ErrorStatus, code: string, message: string, options?: { field?: string; headers?: Record<string, string> }) {
    super(message)
    this.name = "HttpError"
    this.status = status
    this.code = code
    this.field = options?.field
    this.headers = options?.headers ?? {}
  }

  get body(): ErrorBody {
    return this.field === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, field: this.field }
  }
}

export const badRequest = (code: string, message: string, field?: string) =>
  new HttpError(400, code, message, field === undefined ? undefined : { field })

export const invalidField = (field: string, message: string) => new HttpError(400, "invalid_field", message, { field })

export const missingField = (field: string, message = `The field "${field}" is required.`) =>
  new HttpError(400, "missing_field", message, { field })

/** One body for unknown, invalid and expired tokens, so a response never tells which. */
export const unauthorized = () =>
  new HttpError(
    401,
    "unauthorized",
    "A valid API token is required: use the Authorization header (\"Token <token>\" or Basic \"<token>:\") or ?access_token=.",
    { headers: { "WWW-Authenticate": "Token, Basic realm=\"meterbridge\"" } }
  )

/** The same body for a foreign object and a missing one: no existence oracle. */
export const notFound = (kind: string) => new HttpError(404, "not_found", `No ${kind} with that uid.`)

export const forbidden = (code: string, message: string) => new HttpError(403, code, message)

export const methodNotAllowed = (message: string, allow: string) =>
  new HttpError(405, "method_not_allowed", message, { headers: { Allow: allow } })

export const conflict = (message: string) => new HttpError(409, "conflict", message)

export const internal = () => new HttpError(500, "internal_error", "Something went wrong on our side. The error was logged.")
