/**
 * A Green Button Connect My Data (ESPI) third-party client: the OAuth 2.0 authorization-code flow with client
 * Basic auth, token refresh, client_credentials (Bulk, service status), and resource GETs with `published-min/max`
 * windows. OAuth wire work is done by `oauth4webapi` (standards-checked, runtime-neutral); this module adds what
 * ESPI puts on top (the FB scope, `resourceURI`/`authorizationURI` in the token answer) and the mapping of every
 * failure to a `CollectorError` reason. Every request has a timeout.
 */
import { CollectorError } from "@meterbridge/core"
import { Clock, Effect, Stream } from "effect"
import * as oauth from "oauth4webapi"
import { type EspiRecord, EspiParseError, parseEspi } from "../Espi.ts"
import { fromStatus, fromThrown } from "./HttpFailure.ts"
import type { TlsOptions } from "./MutualTls.ts"

export interface ConnectConfig {
  readonly authorizationUrl: string
  readonly tokenUrl: string
  /** `…/espi/1_1/resource`, without a trailing slash. */
  readonly resourceBaseUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  /** The FB scope string (see `Scope.format`). */
  readonly scope: string
  /** Mutual TLS client certificate (Node only), required by PG&E on every call except the browser redirect. */
  readonly tls?: TlsOptions
  /** Extra authorization-request parameters a utility wants (PG&E: `login=guest`). */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number
  /** Replaces `fetch` (tests, proxies). Ignored when `tls` is set. */
  readonly fetch?: typeof fetch
}

export interface Tokens {
  readonly accessToken: string
  readonly refreshToken?: string
  /** Epoch milliseconds when the access token lapses, if the Data Custodian said. */
  readonly expiresAt?: number
  readonly scope?: string
  /** ESPI: the subscription the customer granted, e.g. `…/Batch/Subscription/5`. */
  readonly resourceUri?: string
  /** ESPI: this authorization's own resource, e.g. `…/Authorization/7`. */
  readonly authorizationUri?: string
}

/** A callback query that passed the state check; only such a query can be exchanged for tokens. */
export interface ValidatedCallback {
  readonly code: string
  readonly params: URLSearchParams
}

export interface PublishedWindow {
  /** Epoch milliseconds. */
  readonly publishedMin?: number
  readonly publishedMax?: number
}

export interface ConnectClient {
  readonly config: ConnectConfig
  /** Where to send the customer; `state` comes back on the redirect. */
  readonly authorizationUrl: (state: string, extra?: Readonly<Record<string, string>>) => string
  /**
   * Checks a redirect's query (`code`, `state`, or `error`) against the state we sent.
   * `error=access_denied` and a state mismatch fail with `AuthorizationDenied` / `ProtocolError`.
   */
  readonly validateCallback: (
    query: Readonly<Record<string, string>>,
    expectedState: string
  ) => Effect.Effect<ValidatedCallback, CollectorError.CollectorError>
  readonly exchangeCode: (callback: ValidatedCallback) => Effect.Effect<Tokens, CollectorError.CollectorError>
  readonly refresh: (refreshToken: string) => Effect.Effect<Tokens, CollectorError.CollectorError>
  readonly clientCredentials: () => Effect.Effect<Tokens, CollectorError.CollectorError>
  /** GETs a resource (absolute URI, or relative to `resourceBaseUrl`) with the token; the 2xx Response is returned unread. */
  readonly get: (
    uri: string,
    accessToken: string,
    window?: PublishedWindow
  ) => Effect.Effect<Response, CollectorError.CollectorError>
  /**
   * GETs a subscription (or any ESPI feed) in a published window and streams its body through the ESPI parser;
   * a document that is not ESPI fails with `ProtocolError`, a body that breaks off with `UtilityUnavailable`.
   */
  readonly getSubscription: (
    uri: string,
    accessToken: string,
    window?: PublishedWindow
  ) => Stream.Stream<EspiRecord, CollectorError.CollectorError>
  /** GETs a resource and reads it as text. */
  readonly getResource: (
    uri: string,
    accessToken: string,
    window?: PublishedWindow
  ) => Effect.Effect<string, CollectorError.CollectorError>
}

const DEFAULT_TIMEOUT_MS = 30_000

/** `published-min/max` as ESPI writes them: xs:dateTime in UTC, whole seconds. */
export const formatPublished = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")

/** Resolves `uri` against the resource base and adds the published window. */
export const resourceUrl = (base: string, uri: string, window?: PublishedWindow): URL => {
  const url = /^https?:\/\//.test(uri) ? new URL(uri) : new URL(`${base.replace(/\/$/, "")}/${uri.replace(/^\//, "")}`)
  if (window?.publishedMin !== undefined) url.searchParams.set("published-min", formatPublished(window.publishedMin))
  if (window?.publishedMax !== undefined) url.searchParams.set("published-max", formatPublished(window.publishedMax))
  return url
}

const denied = (message: string) => new CollectorError.CollectorError({ reason: "AuthorizationDenied", message })

/** The OAuth error codes that mean the grant itself is gone: the customer must authorize again. */
const GRANT_GONE = new Set(["invalid_grant", "access_denied", "invalid_token", "unauthorized"])

/** `nowMs`: when the answer arrived, on the caller's Effect `Clock`; `expires_in` counts from then. */
const tokensOf = (r: oauth.TokenEndpointResponse, nowMs: number, previous?: Tokens): Tokens => {
  const extra = r as Record<string, unknown>
  const str = (k: string) => (typeof extra[k] === "string" ? (extra[k] as string) : undefined)
  const refreshToken = r.refresh_token ?? previous?.refreshToken
  const scope = r.scope ?? previous?.scope
  const resourceUri = str("resourceURI") ?? previous?.resourceUri
  const authorizationUri = str("authorizationURI") ?? previous?.authorizationUri
  return {
    accessToken: r.access_token,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(r.expires_in === undefined ? {} : { expiresAt: nowMs + r.expires_in * 1000 }),
    ...(scope === undefined ? {} : { scope }),
    ...(resourceUri === undefined ? {} : { resourceUri }),
    ...(authorizationUri === undefined ? {} : { authorizationUri })
  }
}

export const make = (config: ConnectConfig): ConnectClient => {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const as: oauth.AuthorizationServer = {
    issuer: new URL(config.tokenUrl).origin,
    authorization_endpoint: config.authorizationUrl,
    token_endpoint: config.tokenUrl
  }
  const client: oauth.Client = { client_id: config.clientId }
  const clientAuth = oauth.ClientSecretBasic(config.clientSecret)
  let tlsFetch: Promise<typeof fetch> | undefined
  const fetchImpl = (): Promise<typeof fetch> => {
    if (config.tls !== undefined) {
      const tls = config.tls
      tlsFetch ??= import("./MutualTls.ts").then((m) => m.mutualTlsFetch(tls))
      return tlsFetch
    }
    return Promise.resolve(config.fetch ?? globalThis.fetch)
  }
  const requestOptions = (f: typeof fetch) => ({
    [oauth.customFetch]: f as never,
    // Sandboxes run on plain loopback HTTP; production endpoints are https by configuration.
    [oauth.allowInsecureRequests]: new URL(config.tokenUrl).protocol === "http:",
    signal: () => AbortSignal.timeout(timeoutMs)
  })

  const tokenCall = (
    what: string,
    send: (f: typeof fetch) => Promise<Response>,
    process: (response: Response) => Promise<oauth.TokenEndpointResponse>,
    previous?: Tokens
  ): Effect.Effect<Tokens, CollectorError.CollectorError> =>
    // Time comes from Effect's Clock (read when the answer arrives), so a test that moves the clock moves token
    // expiry and Retry-After dates with it.
    Clock.clockWith((clock) => Effect.tryPromise({
      try: async () => {
        let response: Response
        try {
          response = await send(await fetchImpl())
        } catch (e) {
          if (e instanceof oauth.OperationProcessingError || e instanceof oauth.UnsupportedOperationError) {
            throw CollectorError.protocolError(`${what}: the OAuth request could not be made (${e.message})`)
          }
          throw fromThrown(e, what, timeoutMs)
        }
        if (response.status === 429 || response.status >= 500) {
          await response.body?.cancel()
          throw fromStatus(response.status, response.headers.get("retry-after"), what, clock.currentTimeMillisUnsafe())
        }
        try {
          return tokensOf(await process(response), clock.currentTimeMillisUnsafe(), previous)
        } catch (e) {
          if (e instanceof oauth.ResponseBodyError) {
            if (GRANT_GONE.has(e.error)) {
              throw denied(`${what}: ${e.error}${e.error_description ? ` (${e.error_description})` : ""}`)
            }
            throw CollectorError.protocolError(
              `${what}: the utility rejected the request: ${e.error}${e.error_description ? ` (${e.error_description})` : ""}`
            )
          }
          if (e instanceof oauth.WWWAuthenticateChallengeError) {
            throw CollectorError.protocolError(`${what}: the utility refused our client credentials (${e.status})`)
          }
          throw CollectorError.protocolError(`${what}: unreadable token response (${(e as Error).message})`)
        }
      },
      catch: (e) =>
        e instanceof CollectorError.CollectorError ? e : CollectorError.protocolError(`${what}: ${String(e)}`)
    }))

  const get: ConnectClient["get"] = (uri, accessToken, window) =>
    Clock.clockWith((clock) => Effect.tryPromise({
      try: async () => {
        const url = resourceUrl(config.resourceBaseUrl, uri, window)
        const what = `GET ${url.pathname}`
        let response: Response
        try {
          response = await (await fetchImpl())(url, {
            headers: { authorization: `Bearer ${accessToken}`, accept: "application/atom+xml" },
            signal: AbortSignal.timeout(timeoutMs)
          })
        } catch (e) {
          throw fromThrown(e, what, timeoutMs)
        }
        if (!response.ok) {
          await response.body?.cancel()
          throw fromStatus(response.status, response.headers.get("retry-after"), what, clock.currentTimeMillisUnsafe())
        }
        return response
      },
      catch: (e) => (e instanceof CollectorError.CollectorError ? e : CollectorError.unavailable(String(e)))
    }))

  return {
    config,
    getSubscription: (uri, accessToken, window) =>
      Stream.unwrap(Effect.map(get(uri, accessToken, window), (response) =>
        Stream.fromAsyncIterable(
          parseEspi((response.body ?? []) as AsyncIterable<Uint8Array>),
          (e) =>
            e instanceof EspiParseError
              ? CollectorError.protocolError(`GET ${uri}: the utility sent unreadable ESPI (${e.message})`)
              : fromThrown(e, `reading ${uri}`, timeoutMs)
        ))),
    authorizationUrl: (state, extra) => {
      const url = new URL(config.authorizationUrl)
      url.searchParams.set("response_type", "code")
      url.searchParams.set("client_id", config.clientId)
      url.searchParams.set("redirect_uri", config.redirectUri)
      url.searchParams.set("scope", config.scope)
      url.searchParams.set("state", state)
      for (const [k, v] of Object.entries({ ...config.authorizationParams, ...extra })) url.searchParams.set(k, v)
      return url.href
    },
    validateCallback: (query, expectedState) =>
      Effect.try({
        try: (): ValidatedCallback => {
          const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ ...query }), expectedState)
          const code = params.get("code")
          if (code === null || code === "") throw CollectorError.protocolError("The OAuth callback carries no code")
          return { code, params }
        },
        catch: (e) => {
          if (e instanceof CollectorError.CollectorError) return e
          if (e instanceof oauth.AuthorizationResponseError) {
            return denied(
              e.error === "access_denied"
                ? "The customer declined to share their data."
                : `The utility refused the authorization: ${e.error}${e.error_description ? ` (${e.error_description})` : ""}`
            )
          }
          return CollectorError.protocolError(`The OAuth callback does not match this authorization: ${(e as Error).message}`)
        }
      }),
    exchangeCode: (callback) =>
      tokenCall(
        "POST token (authorization_code)",
        (f) =>
          oauth.authorizationCodeGrantRequest(
            as, client, clientAuth, callback.params, config.redirectUri, oauth.nopkce, requestOptions(f)
          ),
        (r) => oauth.processAuthorizationCodeResponse(as, client, r)
      ),
    refresh: (refreshToken) =>
      tokenCall(
        "POST token (refresh_token)",
        (f) => oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, requestOptions(f)),
        (r) => oauth.processRefreshTokenResponse(as, client, r),
        { accessToken: "", refreshToken }
      ),
    clientCredentials: () =>
      tokenCall(
        "POST token (client_credentials)",
        (f) =>
          oauth.clientCredentialsGrantRequest(
            as, client, clientAuth, new URLSearchParams({ scope: config.scope }), requestOptions(f)
          ),
        (r) => oauth.processClientCredentialsResponse(as, client, r)
      ),
    get,
    getResource: (uri, accessToken, window) =>
      Effect.flatMap(get(uri, accessToken, window), (response) =>
        Effect.tryPromise({
          try: () => response.text(),
          catch: (e) => fromThrown(e, `reading ${uri}`, timeoutMs)
        }))
  }
}
