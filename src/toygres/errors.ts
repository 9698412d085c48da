/** Errors of the toygres control plane, with a stable code the CLI maps to its exit codes. */

export type ToygresErrorCode =
  /** Bad input (name, password, flags). */
  | 'INVALID_INPUT'
  /** No such instance. */
  | 'NOT_FOUND'
  /** The name is taken, or another operation on it is in progress. */
  | 'CONFLICT'
  /** The operation ran and failed (e.g. the create ended failed). */
  | 'FAILED'
  /** A wait ran out of time (the operation goes on). */
  | 'TIMEOUT';

export class ToygresError extends Error {
  readonly code: ToygresErrorCode;
  readonly hint: string | undefined;

  constructor(code: ToygresErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToygresError';
    this.code = code;
    this.hint = options.hint;
  }
}
