/**
 * The runtime port for uploaded customer files. Reading a multipart body
 * without holding it (Hono's `parseBody` buffers it all), spooling it and
 * parsing Green Button needs the runtime (Node: `src/node/greenButtonUploads.ts`),
 * so each entrypoint hands an implementation in through `ApiRuntime.uploads`.
 */
import type { Stream } from "effect"
import type { Collector, Service } from "@meterbridge/core"
import type { HttpError } from "./HttpError.ts"

/** A Green Button file received and read through once: proved readable, its usage points and bills known. */
export interface ReceivedFile {
  /** The form's other fields (`signature`, `utility`, …). */
  readonly fields: Readonly<Record<string, string>>
  /** The file's name as uploaded, e.g. `Green_Button_Data.zip`. */
  readonly fileName: string
  /** One per usage point that has readings or bills. */
  readonly services: ReadonlyArray<Service.ServiceDetails>
  readonly bills: ReadonlyArray<Collector.CollectedBill>
  /** The readings, in batches, from where the one pass over the file set them aside. */
  readonly intervals: Stream.Stream<ReadonlyArray<Collector.CollectedInterval>, HttpError>
  /** Removes what was spooled; call when done, whatever happened. */
  readonly dispose: () => Promise<void>
}

export interface FileUploads {
  /**
   * Receives a `multipart/form-data` request with one file part. Fails with
   * an `HttpError`: 415 for a body that is not multipart or a file that is not
   * Green Button, 413 past the size limit, 400 without a file.
   */
  readonly receiveGreenButton: (request: Request) => Promise<ReceivedFile>
}
