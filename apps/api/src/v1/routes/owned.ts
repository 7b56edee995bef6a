/** v1's ownership checks (see `shared/owned.ts`), and a service with its account. */
import { Effect } from "effect"
import { Store } from "@meterbridge/core"
import type { V1Api as Api } from "../Deps.ts"
import { notFound } from "../../shared/HttpError.ts"
import { ownedBy } from "../../shared/owned.ts"

const accountOf = ownedBy("account", (s, uid) => s.getAccount(uid))
const serviceOf = ownedBy("service", (s, uid) => s.getService(uid))
const tokenOf = ownedBy("token", (s, uid) => s.getToken(uid))

export const account = (api: Api, userUid: string, uid: string) => api.run(accountOf(userUid, uid))
export const service = (api: Api, userUid: string, uid: string) => api.run(serviceOf(userUid, uid))
export const token = (api: Api, userUid: string, uid: string) => api.run(tokenOf(userUid, uid))

/** A service the caller owns, with its account's authorization (v1's Service object shows both). */
export const serviceWithAccount = (api: Api, userUid: string, uid: string) =>
  api.run(serviceOf(userUid, uid).pipe(
    Effect.flatMap((service) =>
      Store.Store.use((store) => store.getAccount(service.account_uid)).pipe(
        Effect.flatMap((account) => (account ? Effect.succeed({ service, account }) : Effect.fail(notFound("service"))))
      )
    )
  ))

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
