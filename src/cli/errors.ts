/**
 * Errors the CLI raises itself. They belong to the library's `DuroxError` family (same brand,
 * codes in `DuroxErrorCode`); each carries a stable `code` that `exit-codes.ts` maps to an
 * exit code, and an optional hint.
 */

import { DuroxError } from '../core/errors.js';
import type { CliErrorCode } from '../core/errors.js';

export type { CliErrorCode } from '../core/errors.js';

/** An error the CLI raises: a `DuroxError` with a {@link CliErrorCode} and an optional hint. */
export class CliError extends DuroxError {
  declare readonly code: CliErrorCode;
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
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
