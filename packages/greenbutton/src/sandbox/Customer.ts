/**
 * Plays the customer on a sandbox consent page over HTTP: opens the authorization URL, submits the form with a
 * username and a decision, and returns the query the Data Custodian redirects back with (`code` + `state`, or `error`).
 */

export interface CustomerChoice {
  /** Default: the URL's `login_hint`, else `test`. */
  readonly username?: string
  /** Default true. */
  readonly approve?: boolean
  /** The browser's fetch (e.g. one that trusts a test CA). */
  readonly fetch?: typeof fetch
}

export class ConsentFailed extends Error {
  override readonly name = "ConsentFailed"
}

export const playCustomer = async (
  authorizationUrl: string,
  choice: CustomerChoice = {}
): Promise<Record<string, string>> => {
  const url = new URL(authorizationUrl)
  const fetch = choice.fetch ?? globalThis.fetch
  const page = await fetch(url, { redirect: "manual" })
  if (page.status >= 300 && page.status < 400) {
    // An invalid request (bad scope) is bounced straight back to the third party with an error.
    const location = new URL(page.headers.get("location") ?? "", url)
    return Object.fromEntries(location.searchParams)
  }
  const html = await page.text()
  if (page.status !== 200 || !html.includes("<form")) {
    throw new ConsentFailed(`The consent page answered ${page.status}: ${html.slice(0, 200)}`)
  }
  const form = new URLSearchParams()
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1]!, m[2]!.replace(/&quot;/g, "\"").replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&"))
  }
  form.set("username", choice.username ?? url.searchParams.get("login_hint") ?? "test")
  form.set("decision", choice.approve === false ? "decline" : "approve")
  // The form posts back to the page's own path, so a sandbox mounted under a prefix works too.
  const answer = await fetch(new URL("authorize", url), { method: "POST", body: form, redirect: "manual" })
  const location = answer.headers.get("location")
  if (answer.status < 300 || answer.status >= 400 || location === null) {
    throw new ConsentFailed(`The consent form answered ${answer.status}: ${(await answer.text()).slice(0, 200)}`)
  }
  return Object.fromEntries(new URL(location).searchParams)
}
