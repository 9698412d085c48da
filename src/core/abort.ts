/**
 * Giving up on a promise when an `AbortSignal` aborts: how durox's cancellable waits stop at once
 * even while a store read is in flight (the read itself cannot be cancelled, so its outcome is
 * dropped).
 */

/**
 * Settles as `promise` does, unless `signal` aborts first: then rejects with `signal.reason` (a
 * `DOMException` named `AbortError` unless the caller aborted with a reason of its own), as
 * `fetch` does — at once when it has already aborted. `promise` goes on; its outcome, even a
 * rejection, is then dropped. The abort listener is removed once either happens.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as unknown);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as unknown);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
