/** Loads an object only if the caller owns it; anyone else's is exactly as missing as a missing one. */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import type { V1Api as Api } from "../Deps.ts"
import { notFound } from "../../shared/HttpError.ts"

export const account = (api: Api, userUid: string, uid: string) =>
  api.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const a = yield* store.getAccount(uid)
    if (!a || a.user_uid !== userUid) return yield* Effect.fail(notFound("account"))
    return a
  }))

export const service = (api: Api, userUid: string, uid: string) =>
  api.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const s = yield* store.getService(uid)
    if (!s || s.user_uid !== userUid) return yield* Effect.fail(notFound("service"))
    return s
  }))

export const token = (api: Api, userUid: string, uid: string) =>
  api.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const t = yield* store.getToken(uid)
    if (!t || t.user_uid !== userUid) return yield* Effect.fail(notFound("token"))
    return t
  }))

/** A service the caller owns, with its account's authorization (v1's Service object shows both). */
export const serviceWithAccount = (api: Api, userUid: string, uid: string) =>
  api.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const s = yield* store.getService(uid)
    if (!s || s.user_uid !== userUid) return yield* Effect.fail(notFound("service"))
    const account = yield* store.getAccount(s.account_uid)
    if (!account) return yield* Effect.fail(notFound("service"))
    return { service: s, account }
  }))

/** The caller's services, each with its account's authorization. */
export const servicesWithAccounts = (api: Api, userUid: string) =>
  api.run(Effect.gen(function*() {
    const store = yield* Store.Store
    const accounts = new Map((yield* store.listAccounts(userUid)).map((a) => [a.uid, a]))
    return (yield* store.listServices(userUid)).flatMap((service) => {
      const account = accounts.get(service.account_uid)
      return account ? [{ service, account }] : []
    })
  }))
