/** What the dashboard's middleware hands to its pages. */
import type { Session } from "./session.ts"

export interface DashEnv {
  Variables: {
    session: Session
    /** The fields of a POSTed form, read once (bounded) by the CSRF check. */
    form: Readonly<Record<string, string>>
  }
}
