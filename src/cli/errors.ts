/**
 * Errors the CLI raises itself. They belong to the library's `DuroxError` family (same brand,
 * codes in `DuroxErrorCode`); each carries a stable `code` that `exit-codes.ts` maps to an
 * exit code, and an optional hint.
 */

import { DuroxError } from '../core/errors.js';
import type { DuroxErrorCode } from '../core/errors.js';

export type { CliErrorCode } from '../core/errors.js';

/**
 * An error the CLI raises: a `DuroxError` with a {@link CliErrorCode} and an optional hint, or a
 * library error's code when the CLI rewords one (see {@link rewordLibraryError}).
 */
export class CliError extends DuroxError {
  declare readonly code: DuroxErrorCode;
  readonly hint: string | undefined;

  constructor(code: DuroxErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Shorthand for a bad-usage error naming what to fix. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, hint === undefined ? {} : { hint });
}

/**
 * A library error said the CLI's way: the same code (so the same exit code and JSON `code`),
 * another message and a hint. The original is kept as the cause (printed with `--debug`).
 */
export function rewordLibraryError(err: DuroxError, message: string, hint?: string): CliError {
  return new CliError(err.code, message, { cause: err, ...(hint === undefined ? {} : { hint }) });
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
