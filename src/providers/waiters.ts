/**
 * Waiting for a wake-up: the building block both providers' wake-up signals share.
 */

/** Wakes one waiter. */
export type Wake = () => void;

/** setTimeout fires at once for delays above this; longer waits must be re-armed. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Adds a waiter to `waiters` and resolves when it is woken, after `timeoutMs` or on abort.
 * The timeout timer stays referenced: a caller awaiting it is doing real work (a poll loop).
 */
export function waitFor(waiters: Set<Wake>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      waiters.delete(wake);
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.max(0, Math.min(timeoutMs, MAX_TIMER_DELAY_MS)));
    waiters.add(wake);
    signal?.addEventListener('abort', wake, { once: true });
  });
}
