/**
 * Exit codes of `durox` and the one table that maps every error to one of them.
 *
 * 0 ok · 1 the operation ran but failed · 2 bad usage or input · 3 not found · 4 timed out ·
 * 5 nondeterminism found by replay · 10 store unreachable.
 */
import { isDuroxError } from '../core/errors.js';
import type { DuroxErrorCode } from '../core/errors.js';
import { ToygresError } from '../toygres/errors.js';
import type { ToygresErrorCode } from '../toygres/errors.js';
import { CliError, messageOf } from './errors.js';
import { rewordParseError } from './parse-errors.js';
import type { CommandUsage } from './parse-errors.js';

export const ExitCode = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  TIMEOUT: 4,
  NONDETERMINISM: 5,
  STORE_UNREACHABLE: 10,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

interface Mapping {
  exit: ExitCodeValue;
  hint?: string;
}

/** Every code an error can reach the CLI with; the table below needs an entry for each. */
type ErrorCode = DuroxErrorCode | ToygresErrorCode | 'OCLIF_PARSE';

/**
 * Error code → exit code and default hint. Keys are the codes of `DuroxError` (the library's
 * and the CLI's own `CliError` codes), of `ToygresError`, and `OCLIF_PARSE` for flag and argument
 * parsing errors. A code added to any of those unions fails to compile until it has an entry.
 */
const TABLE: Record<ErrorCode, Mapping> = {
  // CLI errors (CliErrorCode)
  USAGE: { exit: ExitCode.USAGE, hint: 'run the command with --help for its flags' },
  OCLIF_PARSE: { exit: ExitCode.USAGE, hint: 'run the command with --help for its flags' },
  MODULE: { exit: ExitCode.USAGE, hint: 'run the module with node to see the full error, or pass --debug' },
  STORE_UNREACHABLE: {
    exit: ExitCode.STORE_UNREACHABLE,
    hint: 'check --store / DUROX_STORE (sqlite:<path>, sqlite::memory:, postgres://…)',
  },
  INSTANCE_EXISTS: { exit: ExitCode.USAGE, hint: 'choose another --id, or delete the instance first' },
  INSTANCE_ENDED: { exit: ExitCode.FAILED },
  NOT_FOUND: { exit: ExitCode.NOT_FOUND, hint: 'list instances with `durox orchestration list`' },
  FAILED: { exit: ExitCode.FAILED },
  TIMEOUT: {
    exit: ExitCode.TIMEOUT,
    hint: 'the instance keeps running; wait longer with `durox orchestration wait <id> --timeout 5m`, and check that a worker runs (`durox worker run`)',
  },
  NONDETERMINISM: { exit: ExitCode.NONDETERMINISM },
  // library errors (the rest of DuroxErrorCode)
  INVALID_INPUT: { exit: ExitCode.USAGE },
  PROVIDER: { exit: ExitCode.STORE_UNREACHABLE, hint: 'the store failed; check that it is reachable' },
  SCHEMA_TOO_NEW: { exit: ExitCode.FAILED, hint: 'the store was migrated by a newer durox: upgrade durox' },
  INSTANCE_STILL_RUNNING: { exit: ExitCode.FAILED, hint: 'pass --force to delete a running instance' },
  CANNOT_DELETE_SUB_ORCHESTRATION: {
    exit: ExitCode.USAGE,
    hint: 'delete the root instance (see `durox orchestration tree`)',
  },
  ORCHESTRATION_FAILED: { exit: ExitCode.FAILED },
  POISON: { exit: ExitCode.FAILED },
  LOCK_LOST: { exit: ExitCode.FAILED },
  ILLEGAL_STATE: { exit: ExitCode.FAILED },
  MISSING_DEPENDENCY: { exit: ExitCode.FAILED },
  // toygres control-plane errors (the rest of ToygresErrorCode)
  CONFLICT: { exit: ExitCode.USAGE, hint: 'choose another name, or wait for the other operation to end' },
};

/** What the CLI reports for an error. */
export interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
  exitCode: ExitCodeValue;
}

/** An oclif parse error: carries `oclif.exit` and a `parse` member. */
function isOclifError(err: unknown): err is Error & { oclif: { exit?: number }; parse?: unknown } {
  return err instanceof Error && typeof (err as { oclif?: unknown }).oclif === 'object';
}

/** One line: oclif's multi-line parse messages joined, its help footer dropped. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('See more help with') && !/^Parsing --\S+$/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .replace(/: ?$/, '');
}

/**
 * Maps anything thrown to its code, one-line message, hint and exit code. `command` describes
 * the command that failed, for the hints of flag and argument errors.
 */
export function reportError(err: unknown, command?: CommandUsage): ErrorReport {
  let code: ErrorCode | 'INTERNAL' = 'INTERNAL';
  let hint: string | undefined;
  let message: string | undefined;
  if (err instanceof CliError || err instanceof ToygresError) {
    code = err.code;
    hint = err.hint;
  } else if (isDuroxError(err)) {
    code = err.code;
  } else if (isOclifError(err)) {
    // Exit (EEXIT) errors keep their own code; every other oclif error is a usage error.
    if ((err as { code?: string }).code === 'EEXIT') {
      return { code: 'EXIT', message: '', exitCode: (err.oclif.exit ?? 0) as ExitCodeValue };
    }
    code = 'OCLIF_PARSE';
    const reworded = rewordParseError(err, command);
    if (reworded) {
      message = reworded.message;
      hint = reworded.hint;
    }
  }
  const mapping = code === 'INTERNAL' ? undefined : TABLE[code];
  const report: ErrorReport = {
    code: code === 'OCLIF_PARSE' ? 'USAGE' : code,
    message: message ?? (oneLine(messageOf(err)) || code),
    exitCode: mapping?.exit ?? ExitCode.FAILED,
  };
  const finalHint = hint ?? mapping?.hint ?? (mapping ? undefined : 'pass --debug for the stack trace');
  if (finalHint !== undefined) report.hint = finalHint;
  return report;
}
