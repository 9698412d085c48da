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
 * it already is): the client's wait takes the signal, so it stops polling the store then. Other
 * errors (the store's) reject.
 */
export async function longPoll(
  client: Client,
  id: string,
  timeoutMs: number,
  stopping?: AbortSignal,
): Promise<LongPollOutcome> {
  if (stopping?.aborted) return 'stopping';
  try {
    await client.waitForOrchestration(id, timeoutMs, stopping === undefined ? {} : { signal: stopping });
    return 'ended';
  } catch (err) {
    if (isDuroxError(err, 'TIMEOUT')) return 'timedOut';
    if (stopping?.aborted) return 'stopping';
    throw err;
  }
}
