/**
 * The one sleep of durox (outside the replay core, which must not use timers: it waits through
 * durable timers instead).
 */

/**
 * Resolves after `ms`, or early (without rejecting) when `signal` aborts; at once when it has
 * already aborted. The timer and the abort listener are both released when it resolves.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
