/**
 * How the DEMO portal plays each UtilityAPI test scenario (username `UAPI_TEST_<scenario>`, any password): which
 * meters the login sees and how the portal answers the login and the data requests.
 */
import type { TestScenario } from "@meterbridge/core"
import { type DemoService, services as testServices } from "./Dataset.ts"

/** How one portal step answers: normally, as a refused login (401), as a website that is down (503), or with an error. */
export type Answer = "ok" | "refused" | "down" | "error"

export interface Play {
  readonly services: ReadonlyArray<DemoService>
  readonly login: Answer
  /** The bills and usage endpoints. */
  readonly data: Answer
}

const residential = testServices.find((s) => s.kind === "residential")!
const commercialTemplate = testServices.find((s) => s.kind === "commercial")!

/** Four commercial meters on one billing account, each with its own load (seed). */
export const commercialServices: ReadonlyArray<DemoService> = [0, 1, 2, 3].map((i) => ({
  ...commercialTemplate,
  seed: 101 + 6 * i,
  utility_service_id: `34567890${String(i + 1).padStart(2, "0")}`,
  utility_service_address: `${500 + 10 * i} Market St, Anytown, CA 94612`,
  utility_billing_account: "8765432109-1",
  utility_billing_contact: "ACME WIDGETS INC",
  utility_billing_address: "500 Market St, Anytown, CA 94612",
  utility_meter_number: `C00000000${i + 1}`
}))

export const plays: { readonly [S in TestScenario.TestScenario]: Play } = {
  residential: { services: [residential], login: "ok", data: "ok" },
  commercial: { services: commercialServices, login: "ok", data: "ok" },
  badlogin: { services: [], login: "refused", data: "refused" },
  badlogin_after: { services: [residential], login: "ok", data: "refused" },
  websitedown: { services: [], login: "down", data: "down" },
  websitedown_after: { services: [residential], login: "ok", data: "down" },
  utilityerror: { services: [], login: "error", data: "error" }
}

/** The `test` / `test` login: both reference meters, every answer normal. */
export const testLogin: Play = { services: testServices, login: "ok", data: "ok" }
