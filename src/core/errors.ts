/**
 * Errors thrown in-process by durox, each with a stable `code`.
 *
 * Check errors with {@link isDuroxError} rather than `instanceof`: a user module may load its
 * own copy of durox, and the brand below is shared across copies through `Symbol.for`.
 * Stored outcomes (what history records) are `ErrorDetails` values, never these classes.
 */

const BRAND = Symbol.for('durox.error');

/**
 * Codes of the errors the `durox` CLI raises itself (its `CliError`, a `DuroxError`); the
 * library throws none of these except the ones it shares (`NOT_FOUND`, `TIMEOUT`,
 * `NONDETERMINISM`, `INSTANCE_EXISTS`), which mean the same in both.
 */
export type CliErrorCode =
  /** Bad flags, arguments or input files. */
  | 'USAGE'
  /** A `--module` could not be loaded or registers nothing usable. */
  | 'MODULE'
  /** The store could not be opened or reached. */
  | 'STORE_UNREACHABLE'
  /** `orchestration start` (or `createSchedule`) with an id that already exists. */
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

/** Every error code durox throws: the library's and those of the `durox` CLI ({@link CliErrorCode}). */
export type DuroxErrorCode =
  | CliErrorCode
  | 'NONDETERMINISM'
  | 'TIMEOUT'
  | 'NOT_FOUND'
  | 'INSTANCE_STILL_RUNNING'
  | 'CANNOT_DELETE_SUB_ORCHESTRATION'
  | 'POISON'
  | 'LOCK_LOST'
  | 'INVALID_INPUT'
  | 'PROVIDER'
  | 'SCHEMA_TOO_NEW'
  | 'ILLEGAL_STATE'
  | 'ORCHESTRATION_FAILED'
  | 'MISSING_DEPENDENCY';

interface DuroxErrorFields {
  instanceId?: string;
  executionId?: number;
  eventId?: number;
  cause?: unknown;
}

/** Base class of every error durox throws. */
export class DuroxError extends Error {
  readonly code: DuroxErrorCode;
  readonly instanceId?: string;
  readonly executionId?: number;
  readonly eventId?: number;

  constructor(code: DuroxErrorCode, message: string, fields: DuroxErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    if (fields.instanceId !== undefined) this.instanceId = fields.instanceId;
    if (fields.executionId !== undefined) this.executionId = fields.executionId;
    if (fields.eventId !== undefined) this.eventId = fields.eventId;
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false });
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }
}

/**
 * True when `err` is a durox error (from any copy of the package), optionally with `code`. The
 * CLI's errors are durox errors too, with the {@link CliErrorCode} codes.
 */
export function isDuroxError(err: unknown, code?: DuroxErrorCode): err is DuroxError {
  if (typeof err !== 'object' || err === null || !(BRAND in err)) return false;
  return code === undefined || (err as unknown as DuroxError).code === code;
}

/** Replayed code no longer matches recorded history. */
export class NondeterminismError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('NONDETERMINISM', message, fields);
  }
}

/** A wait ran out of time. */
export class TimeoutError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('TIMEOUT', message, fields);
  }
}

/** The instance (or execution) does not exist. */
export class NotFoundError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('NOT_FOUND', message, fields);
  }
}

/** Something with that id already exists (`createSchedule` of an existing schedule). */
export class AlreadyExistsError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('INSTANCE_EXISTS', message, fields);
  }
}

/** The operation needs a terminal instance (or `force`). */
export class InstanceStillRunningError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('INSTANCE_STILL_RUNNING', message, fields);
  }
}

/** Sub-orchestrations are deleted through their root. */
export class CannotDeleteSubOrchestrationError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('CANNOT_DELETE_SUB_ORCHESTRATION', message, fields);
  }
}

/** A message exceeded its delivery attempts. */
export class PoisonError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('POISON', message, fields);
  }
}

/** A lease (lock token) expired, was stolen or is unknown. */
export class LockLostError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('LOCK_LOST', message, fields);
  }
}

/** Bad arguments or options; the message names the field. */
export class InvalidInputError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('INVALID_INPUT', message, fields);
  }
}

/**
 * A payload failed the schema of its definition (`defineActivity` / `defineOrchestration` with
 * `input` or `output`). `Client.start` throws it before anything is written; inside an activity
 * or orchestration it fails that step with an application failure that retry policies do not
 * retry (the same payload would fail again). The message names the definition and the field.
 */
export class PayloadValidationError extends InvalidInputError {
  /** What the definition defines. */
  readonly definitionKind: 'activity' | 'orchestration';
  /** The definition's name. */
  readonly definitionName: string;
  /** Which payload failed. */
  readonly payload: 'input' | 'output';
  /** Dotted path of the offending field (`items.0.sku`), `''` when the payload itself is wrong. */
  readonly field: string;
  /** Always true: a retry would fail the same way. */
  readonly nonRetryable = true;

  constructor(
    message: string,
    what: {
      definitionKind: 'activity' | 'orchestration';
      definitionName: string;
      payload: 'input' | 'output';
      field: string;
    },
    fields: DuroxErrorFields = {},
  ) {
    super(message, fields);
    this.definitionKind = what.definitionKind;
    this.definitionName = what.definitionName;
    this.payload = what.payload;
    this.field = what.field;
  }
}

/**
 * What kind of store failure a {@link ProviderError} is, for metrics and alerts (the
 * `error_type` label of `duroxide_provider_errors_total`): lock conflicts that aborted a
 * transaction, waits that ran out (lock or statement timeouts, a busy SQLite file), a lost or
 * refused connection, or anything else.
 */
export type ProviderErrorType = 'deadlock' | 'timeout' | 'connection' | 'other';

/** A store operation failed. `retryable` says whether trying again may succeed. */
export class ProviderError extends DuroxError {
  readonly operation: string;
  readonly retryable: boolean;
  /** What kind of failure it is (default `'other'`). */
  readonly errorType: ProviderErrorType;

  constructor(
    operation: string,
    message: string,
    retryable: boolean,
    cause?: unknown,
    errorType: ProviderErrorType = 'other',
  ) {
    super('PROVIDER', `${operation}: ${message}`, { cause });
    this.operation = operation;
    this.retryable = retryable;
    this.errorType = errorType;
  }
}

/** The store was migrated by a newer durox with a breaking change. */
export class SchemaTooNewError extends DuroxError {
  constructor(message: string) {
    super('SCHEMA_TOO_NEW', message);
  }
}

/** An API was used where it cannot work (e.g. a context method outside a turn). */
export class IllegalStateError extends DuroxError {
  constructor(message: string, fields: DuroxErrorFields = {}) {
    super('ILLEGAL_STATE', message, fields);
  }
}

/**
 * An orchestration ended Failed (thrown by `waitForOrchestrationTyped`); `details` holds the
 * stored failure. Poisoned instances throw `PoisonError` and nondeterministic ones
 * `NondeterminismError` instead, with the same `details`.
 */
export class OrchestrationFailedError extends DuroxError {
  readonly details: unknown;

  constructor(message: string, details: unknown, fields: DuroxErrorFields = {}) {
    super('ORCHESTRATION_FAILED', message, fields);
    this.details = details;
  }
}

/**
 * A package durox needs for the requested feature is not installed or not built (an optional
 * dependency left out, or a native module whose install script npm skipped).
 */
export class MissingDependencyError extends DuroxError {
  /** The npm package at fault, e.g. `better-sqlite3`. */
  readonly packageName: string;

  constructor(packageName: string, message: string, cause?: unknown) {
    super('MISSING_DEPENDENCY', message, { cause });
    this.packageName = packageName;
  }
}

/** True for provider errors that may succeed when tried again. */
export function isRetryable(err: unknown): boolean {
  return isDuroxError(err, 'PROVIDER') && (err as ProviderError).retryable;
}
