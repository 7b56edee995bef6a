/**
 * Green Button upload, for both surfaces: receive the file (the runtime's
 * `uploads`), check the signature, and run core's `FileImport.importFile`.
 * Each surface names the signature field as its own API does (v1
 * `real_name`, v2 `signature`) and encodes the result its own way.
 */
import type { Effect } from "effect"
import { FileImport } from "@meterbridge/core"
import type { Runtime, Services } from "../Runtime.ts"
import { HttpError, invalidField, missingField } from "./HttpError.ts"

/**
 * The upload endpoints (v1 `POST /api/services/import[.json|.csv]`, v2 `POST /api/v2/imports`): their bodies stream
 * to the runtime's spool under `METERBRIDGE_UPLOAD_MAX_BYTES`, so the app does not read them into memory first.
 */
export const isStreamedUpload = (path: string): boolean => /^\/api\/(services\/import(\.json|\.csv)?|v2\/imports\/?)$/.test(path)

/** A file's utility is whatever the user says; a file rarely names it. */
export const DEFAULT_UTILITY = "GREEN_BUTTON"

export const importGreenButton = async (
  runtime: Runtime,
  run: (effect: Effect.Effect<FileImport.FileImportResult, HttpError | FileImport.FileImportError, Services>) => Promise<FileImport.FileImportResult>,
  request: Request,
  userUid: string,
  signatureField: string
): Promise<FileImport.FileImportResult> => {
  // Not a passing outage (503): this runtime has nowhere to spool a file (Workers), so the answer will not change.
  if (runtime.uploads === undefined) {
    throw new HttpError(501, "uploads_not_supported", "This server does not accept file uploads: run it on Node or Bun to import Green Button files.")
  }
  const file = await runtime.uploads.receiveGreenButton(request)
  try {
    const signature = (file.fields[signatureField] ?? "").trim()
    if (signature === "") throw missingField(signatureField, `"${signatureField}" is required: the customer's full name, their signature.`)
    if (signature.length > 200) throw invalidField(signatureField, `"${signatureField}" is at most 200 characters.`)
    const utility = (file.fields["utility"] ?? "").trim() || DEFAULT_UTILITY
    if (utility.length > 50) throw invalidField("utility", "\"utility\" is at most 50 characters.")
    return await run(FileImport.importFile({
      user_uid: userUid,
      auth: signature,
      auth_type: "owner",
      utility,
      source: file.fileName.slice(0, 200),
      services: file.services,
      bills: file.bills,
      intervals: file.intervals
    }))
  } finally {
    await file.dispose()
  }
}
