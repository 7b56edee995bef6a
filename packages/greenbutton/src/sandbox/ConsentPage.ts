/** The Data Custodian's consent screen: the test customer signs in with a username and approves or declines. */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

export interface ConsentRequest {
  readonly utilityName: string
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly state: string
  readonly loginHint?: string
  readonly error?: string
  readonly customers: ReadonlyArray<string>
}

export const consentPage = (r: ConsentRequest): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.utilityName)}: share your energy data</title></head>
<body>
<h1>${esc(r.utilityName)} (sandbox)</h1>
<p>The application <b>${esc(r.clientId)}</b> asks to read your usage and billing data (<code>${esc(r.scope)}</code>).</p>
${r.error ? `<p role="alert">${esc(r.error)}</p>` : ""}
<form method="post" action="authorize">
<input type="hidden" name="client_id" value="${esc(r.clientId)}">
<input type="hidden" name="redirect_uri" value="${esc(r.redirectUri)}">
<input type="hidden" name="scope" value="${esc(r.scope)}">
<input type="hidden" name="state" value="${esc(r.state)}">
<label>Username <input name="username" value="${esc(r.loginHint ?? "")}" autocomplete="username"></label>
<p>Test customers: ${r.customers.map(esc).join(", ")}</p>
<button name="decision" value="approve">Approve</button>
<button name="decision" value="decline">Decline</button>
</form>
</body></html>
`
