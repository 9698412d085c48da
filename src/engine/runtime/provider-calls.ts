/**
 * Helpers for calling the provider from dispatchers: retries of transient errors, lease
 * renewal loops.
 */
import { isDuroxError, isRetryable } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';

/** Runs `fn`, retrying retryable provider errors up to `retries` times (10 ms · 2^n backoff). */
export async function withRetries<T>(
  fn: () => Promise<T>,
  retries = 5,
  onRetry?: (err: unknown) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= retries || !isRetryable(err)) throw err;
      onRetry?.(err);
      await sleep(10 * 2 ** attempt);
    }
  }
}

/**
 * Renews a lease every `intervalMs` until stopped. The first failure that says the lease is
 * lost calls `onLost` and stops; transient failures are retried at the next tick.
 */
export function keepLeaseAlive(
  renew: () => Promise<void>,
  intervalMs: number,
  onLost: (err: unknown) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      await renew();
    } catch (err) {
      if (stopped) return;
      if (isDuroxError(err, 'LOCK_LOST') || !isRetryable(err)) {
        stopped = true;
        onLost(err);
        return;
      }
    }
    schedule();
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Backoff after a failed fetch: 100 ms · 2^n up to 3 s for transient errors, 100 ms otherwise. */
export function fetchErrorDelayMs(err: unknown, consecutive: number): number {
  return isRetryable(err) ? Math.min(100 * 2 ** consecutive, 3000) : 100;
}
