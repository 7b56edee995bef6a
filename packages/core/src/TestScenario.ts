/**
 * UtilityAPI's test scenarios: `POST /api/v2/forms/<uid>/test-submit` with
 * `{"utility", "scenario"}`, or the username `UAPI_TEST_<scenario>` typed into
 * a hosted form. Each utility's sandbox plays them through the real collector.
 */
import { Schema } from "effect"

export const TestScenario = Schema.Literals([
  "residential",
  "commercial",
  "badlogin",
  "badlogin_after",
  "websitedown",
  "websitedown_after",
  "utilityerror"
])
export type TestScenario = typeof TestScenario.Type

export const scenarios: ReadonlyArray<TestScenario> = TestScenario.literals

export const describe: Readonly<Record<TestScenario, string>> = {
  residential: "finds one residential meter and its data",
  commercial: "finds four commercial meters and their data",
  badlogin: "the login is refused: the authorization ends in error",
  badlogin_after: "finds one meter, then the login is refused when its data is collected",
  websitedown: "the utility's website is down: retried, then the authorization ends in error",
  websitedown_after: "finds one meter, then the website is down when its data is collected",
  utilityerror: "the utility answers with an error it cannot recover from"
}

/** The username prefix a hosted form reads as a test scenario. */
export const USERNAME_PREFIX = "UAPI_TEST_"

/** `UAPI_TEST_residential` → `residential`; undefined for an ordinary username or an unknown scenario. */
export const fromUsername = (username: string): TestScenario | undefined => {
  if (!username.startsWith(USERNAME_PREFIX)) return undefined
  const name = username.slice(USERNAME_PREFIX.length)
  return (scenarios as ReadonlyArray<string>).includes(name) ? (name as TestScenario) : undefined
}
