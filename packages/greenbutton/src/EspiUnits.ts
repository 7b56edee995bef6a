import type { Flow, ServiceKind, Unit } from "./EspiRecord.ts"

/**
 * ESPI (IEC 61968 UnitSymbol) uom codes → the unit Meterbridge reports and the power of ten that takes the base
 * unit there: energy in kWh (Wh × 10⁻³), power in kW, gas in therms when the utility reports therms.
 * Volumes stay in their own unit: turning m³ of gas into therms needs a heat content the feed does not carry.
 */
const UNITS: Record<number, { readonly unit: Unit; readonly exp: number }> = {
  0: { unit: "unitless", exp: 0 },
  5: { unit: "A", exp: 0 },
  29: { unit: "V", exp: 0 },
  38: { unit: "kW", exp: -3 },
  42: { unit: "m3", exp: 0 },
  61: { unit: "kVA", exp: -3 },
  63: { unit: "kVAr", exp: -3 },
  71: { unit: "kVAh", exp: -3 },
  72: { unit: "kWh", exp: -3 },
  73: { unit: "kVArh", exp: -3 },
  119: { unit: "ft3", exp: 0 },
  128: { unit: "gal", exp: 0 },
  132: { unit: "BTU", exp: 0 },
  169: { unit: "therm", exp: 0 }
}

export const unitOf = (uom: number): { readonly unit: Unit; readonly exp: number; readonly known: boolean } => {
  const u = UNITS[uom]
  return u === undefined ? { unit: `uom:${uom}`, exp: 0, known: false } : { ...u, known: true }
}

/** The ESPI uom code for a Meterbridge unit and the power of ten that takes the unit back to the base unit. */
export const uomOf = (unit: Unit): { readonly uom: number; readonly exp: number } | undefined => {
  for (const [code, u] of Object.entries(UNITS)) if (u.unit === unit) return { uom: Number(code), exp: u.exp }
  return undefined
}

/** `raw × 10^exp`, dividing for negative powers so integer Wh become exactly-rounded kWh. */
export const scale = (raw: number, exp: number): number =>
  exp < 0 ? raw / POW10[-exp]! : exp === 0 ? raw : raw * POW10[exp]!

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

export const flowOf = (flowDirection: number | undefined): Flow =>
  flowDirection === 19 ? "received" : flowDirection === 4 ? "net" : "delivered"

export const flowDirectionOf = (flow: Flow): number => flow === "received" ? 19 : flow === "net" ? 4 : 1

const KINDS: ReadonlyArray<ServiceKind> = [
  "electricity", "gas", "water", "time", "heat", "refuse", "sewerage", "rates", "tvLicence", "internet"
] as ReadonlyArray<ServiceKind>

/** ESPI ServiceCategory kind (0 electricity, 1 gas, 2 water, …). */
export const serviceKindOf = (kind: number | undefined): ServiceKind =>
  kind === undefined ? "unknown" : KINDS[kind] ?? "unknown"

export const serviceKindCode = (kind: ServiceKind): number => {
  const i = KINDS.indexOf(kind)
  return i < 0 ? 0 : i
}

/** ESPI commodity codes (1 electricity SecondaryMetered, 2 electricity PrimaryMetered, 4 air, 7 natural gas, 8 propane, 9 potable water …) */
export const serviceKindOfCommodity = (commodity: number | undefined): ServiceKind | undefined =>
  commodity === 1 || commodity === 2 ? "electricity"
    : commodity === 7 || commodity === 8 ? "gas"
    : commodity === 9 ? "water"
    : undefined
