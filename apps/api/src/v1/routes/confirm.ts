/** Issuing and redeeming confirmation codes, shared by account delete and service reset. */
import type { Context } from "hono"
import { Store, Timestamp } from "@meterbridge/core"
import { HttpError, badRequest, missingField } from "../../shared/HttpError.ts"
import type { AppEnv } from "../AppEnv.ts"
import type { Body } from "../../shared/Body.ts"
import type { Action } from "../../shared/ConfirmationCode.ts"
import type { Deps } from "../Deps.ts"

export const issue = async (deps: Deps, c: Context<AppEnv>, action: Action, object: string, help: string) => {
  const { code, expiresMs } = await deps.codes.issue(c.get("userUid"), action, object, deps.api.now())
  return { code, expires: Timestamp.format(Timestamp.fromMillis(expiresMs)), help }
}

const tooMany = (wait: number) =>
  new HttpError(429, "too_many_wrong_codes", `Too many wrong confirmation codes; try again in ${wait}s.`, {
    headers: { "Retry-After": String(wait) }
  })

/** Verifies the posted code for (caller, action, object) and consumes it; throws a 400 or 429 otherwise. */
export const redeem = async (deps: Deps, c: Context<AppEnv>, body: Body, action: Action, object: string, getUrl: string) => {
  const tokenUid = c.get("token").uid
  const blocked = deps.codeFailures.peek(tokenUid)
  if (blocked !== undefined) throw tooMany(blocked)
  const fail = (e: unknown): never => {
    const wait = deps.codeFailures.hit(tokenUid)
    throw wait !== undefined && e instanceof HttpError && e.status === 400 ? tooMany(wait) : e
  }
  const raw = body["code"]
  if (typeof raw !== "string" || raw.trim() === "") {
    throw missingField("code", `A confirmation code is required: GET ${getUrl} for one, then POST it as "code".`)
  }
  const { nonce, expiresMs } = await deps.codes
    .verify(raw, { user: c.get("userUid"), action, object, nowMs: deps.api.now(), getUrl })
    .catch(fail)
  const fresh = await deps.api.run(Store.Store.use((s) => s.consumeNonce(nonce, Timestamp.fromMillis(expiresMs))))
  if (!fresh) fail(badRequest("code_used", `This confirmation code was already used. GET ${getUrl} for a fresh one.`, "code"))
}
