/**
 * Busy handling. SQLite's own busy handler blocks the Node thread, so it is kept short (see
 * `NATIVE_BUSY_TIMEOUT_MS`); beyond that an operation is retried asynchronously with jittered
 * exponential backoff until a long deadline, so that "database is locked" never reaches the
 * engine under ordinary multi-process contention.
 */
import { isDuroxError, ProviderError } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';

/** SQLite's blocking busy timeout per statement, in ms. */
export const NATIVE_BUSY_TIMEOUT_MS = 25;

/** How long an operation waits for the write lock by default before giving up, in ms. */
export const DEFAULT_BUSY_DEADLINE_MS = 30_000;

const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 100;

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as SqliteLikeError).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for lock contention that goes away by itself (SQLITE_BUSY*, SQLITE_LOCKED*). */
export function isBusyError(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return true;
  const message = typeof err === 'object' && err !== null ? (err as SqliteLikeError).message : undefined;
  return typeof message === 'string' && message.includes('database is locked');
}

/**
 * Maps an error thrown by an operation to what the engine sees: durox errors pass through,
 * constraint violations are permanent, other SQLite errors (I/O, full disk…) retryable, and
 * anything else (a bug, a JSON error) permanent.
 */
export function toProviderError(operation: string, err: unknown): Error {
  if (isDuroxError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = sqliteCode(err);
  if (code === undefined) return new ProviderError(operation, message, false, err);
  const retryable = !code.startsWith('SQLITE_CONSTRAINT');
  return new ProviderError(operation, `${message} (${code})`, retryable, err);
}

function backoffMs(retry: number): number {
  const ceiling = Math.min(FIRST_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS);
  // Full jitter spreads competing processes apart instead of waking them in lockstep.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `attempt` (a synchronous SQLite operation, typically one transaction) and retries it
 * with jittered exponential backoff while the database is busy, for at most `deadlineMs`; then
 * it throws a retryable `ProviderError`. Any other error passes through unchanged. `attempt`
 * must be safe to re-run: it starts from scratch each time (a failed transaction has rolled
 * back).
 */
export function retryWhileBusy<T>(
  operation: string,
  attempt: () => T,
  deadlineMs = DEFAULT_BUSY_DEADLINE_MS,
): Promise<T> {
  return retryLoop(operation, attempt, deadlineMs, keepError);
}

/** `retryWhileBusy` with other errors mapped to what the engine sees (`toProviderError`). */
export function withBusyRetry<T>(operation: string, deadlineMs: number, attempt: () => T): Promise<T> {
  return retryLoop(operation, attempt, deadlineMs, toProviderError);
}

/** The error mapping of `retryWhileBusy`: none. */
const keepError = (_operation: string, err: unknown): unknown => err;

async function retryLoop<T>(
  operation: string,
  attempt: () => T,
  deadlineMs: number,
  mapError: (operation: string, err: unknown) => unknown,
): Promise<T> {
  let startedAt: number | undefined;
  for (let retry = 0; ; retry++) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusyError(err)) throw mapError(operation, err);
      startedAt ??= Date.now();
      const waited = Date.now() - startedAt;
      if (waited >= deadlineMs) {
        throw new ProviderError(
          operation,
          `database stayed locked for ${waited} ms; try again later`,
          true,
          err,
          'timeout',
        );
      }
      await sleep(Math.min(backoffMs(retry), deadlineMs - waited));
    }
  }
}
