/**
 * Checking that a webhook came from your Meterbridge server: both signature
 * schemes it sends (UtilityAPI's and Standard Webhooks), from
 * `@meterbridge/webhooks`. A subpath of its own: its peers (`effect`,
 * `@meterbridge/core`) are needed only by who imports it.
 */
import { Signature } from "@meterbridge/webhooks"

export const verifyUtilityApi = Signature.verifyUtilityApi
export const verifyStandard = Signature.verifyStandard
export type VerifyUtilityApiInput = Signature.VerifyUtilityApiInput
export type VerifyStandardInput = Signature.VerifyStandardInput
export type VerifyResult = Signature.VerifyResult
