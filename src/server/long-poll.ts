/**
 * The long-poll of `GET /orchestrations/{id}/wait`, cut short when the server shuts down: a
 * graceful stop waits for requests in flight, and a wait may last a minute.
 */
import { isDuroxError } from '../core/errors.js';
import type { Client } from '../engine/client.js';

/** How a long-poll ended: the instance ended, the timeout ran out, or the server is stopping. */
export type LongPollOutcome = 'ended' | 'timedOut' | 'stopping';

/**
 * Waits up to `timeoutMs` for instance `id` to end, or until `stopping` is aborted (at once when
 * it already is). Other errors (the store's) reject. A wait cut short by `stopping` keeps polling
 * in the background until its timeout or until the store closes; its outcome is dropped.
 */
export async function longPoll(
  client: Client,
  id: string,
  timeoutMs: number,
  stopping?: AbortSignal,
): Promise<LongPollOutcome> {
  if (stopping?.aborted) return 'stopping';
  const waited = client.waitForOrchestration(id, timeoutMs).then(
    (): LongPollOutcome => 'ended',
    (err: unknown): LongPollOutcome => {
      if (isDuroxError(err, 'TIMEOUT')) return 'timedOut';
      throw err;
    },
  );
  if (stopping === undefined) return waited;
  let onAbort = (): void => undefined;
  const stopped = new Promise<LongPollOutcome>((resolve) => {
    onAbort = () => resolve('stopping');
    stopping.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([waited, stopped]);
  } finally {
    stopping.removeEventListener('abort', onAbort);
    waited.catch(() => undefined); // Dropped when stopping won: its failure is no one's.
  }
}
