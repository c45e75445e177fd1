/**
 * Errors `sendUpdate` throws. They extend the built-in `TypeError` and
 * `RangeError` the `UpdateService` contract names; match them with
 * `instanceof` or by `.name`, never by message text.
 */

/** The update is not an object with a `payload`, a field has the wrong type, or it cannot be serialized as JSON. */
export class InvalidUpdateError extends TypeError {
  static readonly NAME = 'InvalidUpdateError'
  override name = InvalidUpdateError.NAME
  constructor (reason: string) {
    super(`sendUpdate: ${reason}`)
  }
}

/** The serialized update is larger than `sendUpdateMaxSize`. */
export class UpdateTooLargeError extends RangeError {
  static readonly NAME = 'UpdateTooLargeError'
  override name = UpdateTooLargeError.NAME
  readonly size: number
  readonly limit: number
  constructor (size: number, limit: number) {
    super(`sendUpdate: the serialized update has ${size} bytes, more than the limit of ${limit}`)
    this.size = size
    this.limit = limit
  }
}
