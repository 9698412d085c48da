/**
 * Stored failure details and the one converter between thrown values and stored details.
 *
 * A failure that crosses the orchestration/activity boundary or lives in history is an
 * {@link ErrorDetails} value (serialisable); it is turned back into a thrown `Error` at the
 * `yield` that awaited it. Categories follow duroxide: application (user code), infrastructure
 * (store or runtime), configuration (nondeterminism, unregistered code) and poison.
 */
import { isDuroxError } from './errors.js';
import { assertNever } from './exhaustive.js';

/** Failures raised by user code: activity errors, orchestration errors, cancellation. */
export interface ApplicationErrorDetails {
  category: 'application';
  kind: 'ActivityFailed' | 'OrchestrationFailed' | 'Panicked' | 'Cancelled';
  message: string;
  retryable: boolean;
  /** Constructor name of the thrown value (e.g. `TypeError`), when it was an Error. */
  type?: string;
  /** Trimmed stack trace of the thrown value. */
  stack?: string;
  /** Cancellation reason (kind `Cancelled`). */
  reason?: string;
  cause?: ErrorDetails;
  /**
   * True when retrying cannot help, so retry policies stop at this failure: a payload failed
   * its definition's schema (`PayloadValidationError`). Absent otherwise. (`retryable` is
   * duroxide's field, always false, and not consulted.)
   */
  nonRetryable?: boolean;
}

/** Failures of the store or the runtime itself; they never reach user code. */
export interface InfrastructureErrorDetails {
  category: 'infrastructure';
  operation: string;
  message: string;
  retryable: boolean;
}

/** Failures of the deployed code relative to recorded history (nondeterminism, missing code). */
export interface ConfigurationErrorDetails {
  category: 'configuration';
  kind: 'Nondeterminism' | 'UnregisteredOrchestration' | 'UnregisteredActivity' | 'Limit';
  resource: string;
  message: string;
}

/** A message that kept failing to be processed and was given up on. */
export interface PoisonErrorDetails {
  category: 'poison';
  attempt_count: number;
  max_attempts: number;
  message_type:
    | { kind: 'Orchestration'; instance: string; execution_id: number }
    | {
        kind: 'Activity';
        instance: string;
        execution_id: number;
        activity_name: string;
        activity_id: number;
      };
  message: string;
}

/** A serialisable failure, as stored in history and reported by the client. */
export type ErrorDetails =
  ApplicationErrorDetails | InfrastructureErrorDetails | ConfigurationErrorDetails | PoisonErrorDetails;

const MAX_STACK_LINES = 12;

function trimStack(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  return stack.split('\n').slice(0, MAX_STACK_LINES).join('\n');
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/**
 * Marks an error rebuilt from stored details (see {@link failureToError}) with those details, so
 * that rethrowing it stores the original failure instead of a durox-internal `Error`. A
 * `Symbol.for` key: the error may cross copies of durox (a `--module` can load its own).
 */
const CARRIED_DETAILS = Symbol.for('durox.failure.details');

function carriedDetails(value: Error): ApplicationErrorDetails | undefined {
  const details = (value as Error & { [CARRIED_DETAILS]?: ErrorDetails })[CARRIED_DETAILS];
  return details?.category === 'application' ? details : undefined;
}

/**
 * Turns any thrown value into application failure details: keeps the constructor name, the
 * message, a trimmed stack and the `cause` chain. An error that a failed activity or
 * sub-orchestration threw at a `yield` (and the orchestration let through) keeps the failure
 * it was built from: the user's error class, message, stack and cause, not the rebuilt `Error`.
 */
export function toApplicationFailure(
  value: unknown,
  kind: ApplicationErrorDetails['kind'],
  depth = 0,
): ApplicationErrorDetails {
  if (value instanceof Error) {
    const carried = carriedDetails(value);
    if (carried) return fromCarried(carried, value, kind);
  }
  const details: ApplicationErrorDetails = {
    category: 'application',
    kind,
    message: messageOf(value),
    retryable: false,
  };
  if (isDuroxError(value) && (value as { nonRetryable?: unknown }).nonRetryable === true) {
    details.nonRetryable = true;
  }
  if (value instanceof Error) {
    details.type = value.constructor?.name ?? value.name;
    const stack = trimStack(value.stack);
    if (stack) details.stack = stack;
    if (value.cause !== undefined && depth < 5)
      details.cause = toApplicationFailure(value.cause, kind, depth + 1);
  }
  return details;
}

/**
 * The stored form of a rethrown activity/sub-orchestration error. Activity and orchestration
 * failures keep their kind (the instance failed because an activity did); a cancelled or
 * panicked child becomes a plain failure of this orchestration with the child's message.
 */
function fromCarried(
  carried: ApplicationErrorDetails,
  error: Error,
  kind: ApplicationErrorDetails['kind'],
): ApplicationErrorDetails {
  const ownKind = carried.kind === 'ActivityFailed' || carried.kind === 'OrchestrationFailed';
  const details: ApplicationErrorDetails = {
    category: 'application',
    kind: ownKind ? carried.kind : kind,
    message: ownKind ? carried.message : error.message,
    retryable: false,
  };
  if (carried.type !== undefined) details.type = carried.type;
  if (carried.stack !== undefined) details.stack = carried.stack;
  if (carried.cause !== undefined) details.cause = carried.cause;
  if (carried.nonRetryable === true) details.nonRetryable = true;
  return details;
}

/**
 * True for the error of a failed activity (as thrown at its `yield`) whose stored failure is
 * marked `nonRetryable`: retry policies give up on it at once.
 */
export function isNonRetryableFailure(error: unknown): boolean {
  return error instanceof Error && carriedDetails(error)?.nonRetryable === true;
}

/** The one-line description of a failure, as `status.error` and thrown messages show it. */
export function displayMessage(details: ErrorDetails): string {
  switch (details.category) {
    case 'application':
      if (details.kind === 'Cancelled') return `canceled: ${details.reason ?? details.message}`;
      if (details.kind === 'Panicked') return `orchestration panicked: ${details.message}`;
      return details.message;
    case 'infrastructure':
      return `infrastructure:${details.operation}: ${details.message}`;
    case 'configuration':
      if (details.kind === 'Nondeterminism') return `nondeterministic: ${details.message}`;
      return details.message;
    case 'poison':
      return details.message;
    default:
      return assertNever(details);
  }
}

/**
 * The error a failed activity or sub-orchestration throws at the `yield` that awaited it: the
 * failure's message, its error class name as `name`, its stack and cause chain, and the stored
 * details as a non-enumerable `details` property.
 */
export function failureToError(details: ErrorDetails): Error {
  const error = new Error(displayMessage(details));
  const hidden = (key: PropertyKey, value: unknown): void => {
    Object.defineProperty(error, key, { value, enumerable: false, writable: true, configurable: true });
  };
  if (details.category === 'application') {
    if (details.type) hidden('name', details.type);
    // The user's stack says where the failure happened; the engine's would only show replay.
    if (details.stack) hidden('stack', details.stack);
    if (details.cause) hidden('cause', failureToError(details.cause));
  }
  hidden('details', details);
  hidden(CARRIED_DETAILS, details);
  return error;
}

/** Parses stored details, tolerating a bare message (older or foreign rows). */
export function parseErrorDetails(text: string): ErrorDetails {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && 'category' in value) return value as ErrorDetails;
  } catch {
    // fall through
  }
  return { category: 'application', kind: 'OrchestrationFailed', message: text, retryable: false };
}
