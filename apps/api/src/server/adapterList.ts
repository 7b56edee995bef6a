/**
 * THE list of utilities this server serves: one line per adapter package (`pnpm create-adapter <id>` adds it).
 * Adapters are served in the order of their names here.
 */
export { registration as demo } from "@meterbridge/adapter-demo/registration"
export { registration as gba } from "@meterbridge/adapter-gba/registration"
export { registration as pge } from "@meterbridge/adapter-pge/registration"
export { registration as sce } from "@meterbridge/adapter-sce/registration"
export { registration as sdge } from "@meterbridge/adapter-sdge/registration"
export { registration as smt } from "@meterbridge/adapter-smt/registration"
