/**
 * A bench server in its own process: the shared fixture (one user, one
 * service with a year of 15-minute intervals on SQLite) behind the real app,
 * so load is generated and timed by another process. Prints one JSON line
 * `{ base, token, serviceUid }` once it listens.
 */
import { listen, setup } from "./setup.ts"

const b = await setup()
const server = await listen(b.app)
console.log(JSON.stringify({ base: server.base, token: b.token, serviceUid: b.serviceUid }))
process.on("SIGTERM", async () => {
  await server.close()
  await b.close()
  process.exit(0)
})
