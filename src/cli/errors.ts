/**
 * Errors the CLI raises itself (as opposed to the library's `DuroxError`s). Each carries a
 * stable `code` that `exit-codes.ts` maps to an exit code, and an optional hint.
 */

/** Codes of errors raised by the CLI layer. */
export type CliErrorCode =
  /** Bad flags, arguments or input files. */
  | 'USAGE'
  /** A `--module` could not be loaded or registers nothing usable. */
  | 'MODULE'
  /** The store could not be opened or reached. */
  | 'STORE_UNREACHABLE'
  /** `orchestration start` with an id that already exists. */
  | 'INSTANCE_EXISTS'
  /** The instance already ended, so the request (cancel, raise, enqueue) cannot apply. */
  | 'INSTANCE_ENDED'
  /** The instance is unknown. */
  | 'NOT_FOUND'
  /** The operation ran and failed (an orchestration ended Failed). */
  | 'FAILED'
  /** A wait ran out of time. */
  | 'TIMEOUT'
  /** `history replay` found a divergence. */
  | 'NONDETERMINISM';

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Shorthand for a bad-usage error naming what to fix. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, hint === undefined ? {} : { hint });
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
