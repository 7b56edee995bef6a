export { createApp } from "./app.ts"
export type { App, AppOptions } from "./app.ts"
export type { ApiConfig, ApiRuntime, Services } from "./Runtime.ts"
export { HttpError } from "./shared/HttpError.ts"
