/**
 * The JSON shapes SMT answers with. Only the fields the adapter reads are
 * declared; SMT adds others (`RevTS`, `trans_id`) that are let through.
 * Agreement, meter-info and billing shapes follow public client code built
 * from SMT's Data Access Interface Guide; the guide itself is not public.
 */
import { Schema } from "effect"

export const EnergyData = Schema.Struct({
  DT: Schema.String,
  RT: Schema.String,
  RD: Schema.String,
  RevTS: Schema.optionalKey(Schema.String)
})

export const IntervalReadsResponse = Schema.Struct({
  esiid: Schema.optionalKey(Schema.String),
  energyData: Schema.Array(EnergyData)
})

export const DailyRead = Schema.Struct({
  DT: Schema.String,
  RT: Schema.String,
  reading: Schema.String,
  flag: Schema.String
})
export const DailyReadsResponse = Schema.Struct({ esiid: Schema.optionalKey(Schema.String), dailyData: Schema.Array(DailyRead) })

export const BillingRead = Schema.Struct({
  startDate: Schema.String,
  endDate: Schema.String,
  actl_kwh_usg: Schema.optionalKey(Schema.NullOr(Schema.String)),
  blld_kwh_usg: Schema.optionalKey(Schema.NullOr(Schema.String)),
  mtrd_kwh_usg: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export const BillingResponse = Schema.Struct({ esiid: Schema.optionalKey(Schema.String), billingData: Schema.Array(BillingRead) })

export const AgreementStatus = Schema.Literals(["PENDING", "ACTIVE", "DECLINED", "EXPIRED", "TERMINATED"])
export type AgreementStatus = typeof AgreementStatus.Type

export const NewAgreementResponse = Schema.Struct({
  agreementID: Schema.String,
  agreementStatus: AgreementStatus,
  endDate: Schema.optionalKey(Schema.NullOr(Schema.String))
})

export const Agreement = Schema.Struct({
  agreementID: Schema.String,
  ESIID: Schema.String,
  status: AgreementStatus,
  startDate: Schema.optionalKey(Schema.NullOr(Schema.String)),
  endDate: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type Agreement = typeof Agreement.Type
export const MyAgreementsResponse = Schema.Struct({ agreements: Schema.Array(Agreement) })

export const MeterInfo = Schema.Struct({
  esiid: Schema.String,
  meterNumber: Schema.String,
  address: Schema.optionalKey(Schema.NullOr(Schema.String)),
  city: Schema.optionalKey(Schema.NullOr(Schema.String)),
  state: Schema.optionalKey(Schema.NullOr(Schema.String)),
  zip: Schema.optionalKey(Schema.NullOr(Schema.String)),
  tdsp: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type MeterInfo = typeof MeterInfo.Type
export const MeterInfoResponse = Schema.Struct({ data: Schema.Array(MeterInfo) })

export const OdrResponse = Schema.Struct({ data: Schema.Struct({ correlationId: Schema.String }) })

export const OdrStatus = Schema.Literals(["COMPLETED", "PENDING", "FAILED", "T-FAILED"])
export const OdrStatusResponse = Schema.Struct({
  data: Schema.Struct({
    odrstatus: OdrStatus,
    odrread: Schema.optionalKey(Schema.NullOr(Schema.String)),
    odrusage: Schema.optionalKey(Schema.NullOr(Schema.String)),
    odrdate: Schema.optionalKey(Schema.NullOr(Schema.String)),
    responseMessage: Schema.optionalKey(Schema.NullOr(Schema.String))
  })
})
