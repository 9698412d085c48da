/**
 * Retry policies for `scheduleActivityWithRetry`: the accepted input shapes and their
 * compilation to a fully defaulted, validated policy.
 */

/** Backoff between attempts, as a name or explicit parameters. */
export type BackoffInput =
  | 'none'
  | 'fixed'
  | 'linear'
  | 'exponential'
  | { kind: 'none' }
  | { kind: 'fixed'; delayMs: number }
  | { kind: 'linear'; baseMs: number; maxMs?: number }
  | { kind: 'exponential'; baseMs: number; multiplier?: number; maxMs?: number }
  /** Delay after the k-th failure is `delaysMs[k-1]`; the last entry repeats. */
  | { delaysMs: number[] };

/** Retry options as user code passes them (duroxide-node's shape, plus backoff objects). */
export interface RetryPolicyInput {
  /** Total attempts including the first (>= 1). */
  maxAttempts: number;
  backoff?: BackoffInput | string;
  /** Per-attempt timeout; a timed-out attempt fails the call without further retries. */
  timeoutMs?: number;
  /** Deadline for all attempts together, backoff delays included. */
  totalTimeoutMs?: number;
}

export type CompiledBackoff =
  | { kind: 'none' }
  | { kind: 'fixed'; delayMs: number }
  | { kind: 'linear'; baseMs: number; maxMs: number }
  | { kind: 'exponential'; baseMs: number; multiplier: number; maxMs: number }
  | { kind: 'list'; delaysMs: readonly number[] };

export interface CompiledRetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: CompiledBackoff;
  readonly timeoutMs?: number;
  readonly totalTimeoutMs?: number;
}

const DEFAULT_MAX_DELAY_MS = 30_000;
const DEFAULT_BACKOFF: CompiledBackoff = {
  kind: 'exponential',
  baseMs: 100,
  multiplier: 2,
  maxMs: DEFAULT_MAX_DELAY_MS,
};

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`retry policy: ${field} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function compileBackoff(input: RetryPolicyInput['backoff']): CompiledBackoff {
  if (input === undefined) return DEFAULT_BACKOFF;
  if (typeof input === 'string') {
    switch (input) {
      case 'none':
        return { kind: 'none' };
      case 'fixed':
        return { kind: 'fixed', delayMs: 1000 };
      case 'exponential':
        return DEFAULT_BACKOFF;
      default:
        // duroxide-node treats any other name as linear.
        return { kind: 'linear', baseMs: 100, maxMs: DEFAULT_MAX_DELAY_MS };
    }
  }
  if (typeof input !== 'object' || input === null) {
    throw new TypeError(`retry policy: backoff must be a name or an object, got ${JSON.stringify(input)}`);
  }
  if ('delaysMs' in input) {
    if (!Array.isArray(input.delaysMs) || input.delaysMs.length === 0) {
      throw new TypeError('retry policy: backoff.delaysMs must be a non-empty array of numbers');
    }
    return { kind: 'list', delaysMs: input.delaysMs.map((d, i) => nonNegative(d, `backoff.delaysMs[${i}]`)) };
  }
  switch (input.kind) {
    case 'none':
      return { kind: 'none' };
    case 'fixed':
      return { kind: 'fixed', delayMs: nonNegative(input.delayMs, 'backoff.delayMs') };
    case 'linear':
      return {
        kind: 'linear',
        baseMs: nonNegative(input.baseMs, 'backoff.baseMs'),
        maxMs: nonNegative(input.maxMs ?? DEFAULT_MAX_DELAY_MS, 'backoff.maxMs'),
      };
    case 'exponential':
      return {
        kind: 'exponential',
        baseMs: nonNegative(input.baseMs, 'backoff.baseMs'),
        multiplier: nonNegative(input.multiplier ?? 2, 'backoff.multiplier'),
        maxMs: nonNegative(input.maxMs ?? DEFAULT_MAX_DELAY_MS, 'backoff.maxMs'),
      };
    default:
      throw new TypeError(`retry policy: unknown backoff ${JSON.stringify(input)}`);
  }
}

/** Validates and fills defaults; messages name the offending field. */
export function compileRetryPolicy(input: RetryPolicyInput): CompiledRetryPolicy {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('retry policy must be an object like { maxAttempts: 3 }');
  }
  const { maxAttempts } = input;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(
      `retry policy: maxAttempts must be an integer >= 1, got ${JSON.stringify(maxAttempts)}`,
    );
  }
  const policy: { -readonly [K in keyof CompiledRetryPolicy]: CompiledRetryPolicy[K] } = {
    maxAttempts,
    backoff: compileBackoff(input.backoff),
  };
  if (input.timeoutMs !== undefined && input.timeoutMs !== null) {
    policy.timeoutMs = nonNegative(input.timeoutMs, 'timeoutMs');
  }
  if (input.totalTimeoutMs !== undefined && input.totalTimeoutMs !== null) {
    policy.totalTimeoutMs = nonNegative(input.totalTimeoutMs, 'totalTimeoutMs');
  }
  return Object.freeze(policy);
}

/** Delay after the `attempt`-th failure (1-based). */
export function delayForAttempt(backoff: CompiledBackoff, attempt: number): number {
  switch (backoff.kind) {
    case 'none':
      return 0;
    case 'fixed':
      return backoff.delayMs;
    case 'linear':
      return Math.min(backoff.baseMs * attempt, backoff.maxMs);
    case 'exponential': {
      // Cap the exponent so huge attempt numbers cannot overflow to Infinity * 0 = NaN.
      const factor = Math.pow(backoff.multiplier, Math.min(attempt - 1, 1000));
      const delay = backoff.baseMs * factor;
      return Number.isFinite(delay) ? Math.min(delay, backoff.maxMs) : backoff.maxMs;
    }
    case 'list':
      return backoff.delaysMs[Math.min(attempt, backoff.delaysMs.length) - 1] ?? 0;
    default: {
      const never: never = backoff;
      return never;
    }
  }
}
