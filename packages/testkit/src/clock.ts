/** Test clocks for Effect code (`Clock`): moved by the test, never waited for. One definition, in core's testing kit. */
import { Clocks } from "@meterbridge/core/testing"

export const ahead = Clocks.ahead
export const manual = Clocks.manual
export const reading = Clocks.reading
