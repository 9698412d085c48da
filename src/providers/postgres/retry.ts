/**
 * What a failed PostgreSQL operation means, in one table: which SQLSTATEs and socket errors are
 * transient, how often the provider retries them itself and with what backoff, and whether the
 * connection that saw them must be discarded. Everything else is permanent.
 *
 * Every provider operation is one statement in autocommit mode (a function call or a single
 * DML), so a failed attempt rolled back whole and re-running it is safe. The exception is a
 * connection that dropped after the server committed but before the answer arrived; re-running
 * then behaves like a duplicate delivery (an ack reports a lost lock, an enqueue inserts twice),
 * which at-least-once delivery already allows.
 */
import { isDuroxError, ProviderError, type ProviderErrorType } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';

/** How the provider treats one kind of transient failure. */
export interface RetryRule {
  /** What it is, for error messages. */
  readonly reason: string;
  /** Retries inside the provider (capped by the `maxRetries` option); 0 = surface at once. */
  readonly retries: number;
  /** First backoff; doubles per retry, with jitter. */
  readonly backoffMs: number;
  /** The connection is unusable (or holds a stale cached plan): close it instead of reusing it. */
  readonly discardConnection: boolean;
  /** The kind of failure, for metrics (`ProviderError.errorType`). */
  readonly type: ProviderErrorType;
}

const rule = (
  reason: string,
  retries: number,
  backoffMs: number,
  type: ProviderErrorType,
  discardConnection = false,
): RetryRule => Object.freeze({ reason, retries, backoffMs, discardConnection, type });

const CONNECTION_LOST = rule('connection lost', 3, 25, 'connection', true);

/** Transient SQLSTATEs. */
const SQLSTATE_RULES: Readonly<Record<string, RetryRule>> = {
  '40001': rule('serialization failure', 5, 5, 'deadlock'),
  '40P01': rule('deadlock detected', 5, 10, 'deadlock'),
  '55P03': rule('lock not available', 3, 20, 'timeout'),
  '57P01': rule('server terminated the connection (admin shutdown)', 3, 25, 'connection', true),
  '57P02': rule('server crashed (crash shutdown)', 3, 250, 'connection', true),
  '57P03': rule('server not accepting connections yet', 5, 250, 'connection', true),
  '53300': rule('too many connections', 3, 100, 'connection', true),
  // Transient as well, but retrying inside the provider would only make things worse.
  '57014': rule('statement canceled (statement timeout)', 0, 0, 'timeout'),
  '53100': rule('disk full', 0, 0, 'other'),
  '53200': rule('out of memory', 0, 0, 'other'),
};

/** Transient SQLSTATE classes (first two characters). */
const SQLSTATE_CLASS_RULES: Readonly<Record<string, RetryRule>> = {
  '08': CONNECTION_LOST,
  '53': rule('insufficient resources', 0, 0, 'other'),
};

/** Socket errors (Node `errno` codes). */
const ERRNO_RULES: Readonly<Record<string, RetryRule>> = {
  ECONNREFUSED: rule('connection refused', 3, 100, 'connection', true),
  ECONNRESET: CONNECTION_LOST,
  ECONNABORTED: CONNECTION_LOST,
  EPIPE: CONNECTION_LOST,
  ETIMEDOUT: rule('connection timed out', 2, 100, 'connection', true),
  EHOSTUNREACH: rule('host unreachable', 2, 250, 'connection', true),
  ENETUNREACH: rule('network unreachable', 2, 250, 'connection', true),
  EAI_AGAIN: rule('name resolution failed', 2, 250, 'connection', true),
};

/** node-postgres reports some connection failures by message only. */
const MESSAGE_RULES: ReadonlyArray<readonly [RegExp, RetryRule]> = [
  [/Connection terminated/i, CONNECTION_LOST],
  [/connection error and is not queryable|Client was closed and is not queryable/i, CONNECTION_LOST],
  [
    /timeout exceeded when trying to connect/i,
    rule('no pooled connection became free in time', 2, 50, 'timeout'),
  ],
  // A function was replaced (migration by a newer process) under a statement cached on this
  // connection; a fresh connection plans it again.
  [/cached plan must not change result type/i, rule('cached plan invalidated', 2, 0, 'other', true)],
];

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

function fieldsOf(err: unknown): PgLikeError {
  return typeof err === 'object' && err !== null ? (err as PgLikeError) : {};
}

/** The SQLSTATE of a server error, if any. */
export function sqlState(err: unknown): string | undefined {
  const code = fieldsOf(err).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The retry rule for a transient failure, or undefined when it is permanent. */
export function retryRuleOf(err: unknown): RetryRule | undefined {
  if (isDuroxError(err)) return undefined;
  const { code, message, errors } = fieldsOf(err);
  if (typeof code === 'string') {
    const byState = SQLSTATE_RULES[code] ?? SQLSTATE_CLASS_RULES[code.slice(0, 2)];
    if (byState !== undefined && /^[0-9A-Z]{5}$/.test(code)) return byState;
    const byErrno = ERRNO_RULES[code];
    if (byErrno !== undefined) return byErrno;
  }
  if (typeof message === 'string') {
    for (const [pattern, found] of MESSAGE_RULES) if (pattern.test(message)) return found;
  }
  // Connecting to "localhost" may try several addresses and fail with an AggregateError.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = retryRuleOf(inner);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** True when the connection that produced `err` must not go back to the pool. */
export function mustDiscardConnection(err: unknown): boolean {
  return retryRuleOf(err)?.discardConnection ?? false;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const state = sqlState(err);
  return state === undefined ? message : `${message} (SQLSTATE ${state})`;
}

/**
 * Maps an error to what the engine sees: durox errors pass through, transient failures become
 * retryable `ProviderError`s, everything else (constraint violations, bugs) permanent ones.
 */
export function toProviderError(operation: string, err: unknown): Error {
  if (isDuroxError(err)) return err;
  const found = retryRuleOf(err);
  const detail = found === undefined ? describe(err) : `${found.reason}: ${describe(err)}`;
  return new ProviderError(operation, detail, found !== undefined, err, found?.type ?? 'other');
}

/** Exponential backoff with jitter, so competing processes do not retry in lockstep. */
function backoffMs(found: RetryRule, retry: number): number {
  if (found.backoffMs === 0) return 0;
  const ceiling = Math.min(found.backoffMs * 2 ** retry, 2000);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `attempt` and retries transient failures per the table (at most `maxRetries` times in
 * all). Rejects with the mapped error once retries are used up or the failure is permanent.
 */
export async function withRetries<T>(
  operation: string,
  maxRetries: number,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      const found = retryRuleOf(err);
      if (found === undefined || retry >= Math.min(found.retries, maxRetries)) {
        throw toProviderError(operation, err);
      }
      const delay = backoffMs(found, retry);
      if (delay > 0) await sleep(delay);
    }
  }
}
