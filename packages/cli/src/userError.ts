/**
 * UserError - an error caused by the user's input or environment; printed as one line, no stack trace.
 * @exitCode: 2 for usage/input/environment errors (the default), 1 for "found a problem in the data".
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message)
    this.name = 'UserError'
  }
}
