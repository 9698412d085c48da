/**
 * Ack-and-fetch-next (src/providers/postgres/prefetch.ts): only dispatcher loops trigger it,
 * and work it locked ahead is never hidden for long.
 */
import { describe, expect, it } from 'vitest';
import type { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { createTestSchema, openPostgresProvider as openProvider } from '../../helpers/postgres.js';
import { eventually } from '../../helpers/eventually.js';
import { activityItem, completionItem, DEFAULT_ONLY, fetchWork, startAck, startItem } from './helpers.js';

/** Makes `provider` see dispatcher loops on the worker queue (two concurrent waits). */
async function looksLikeDispatchers(provider: PostgresProvider): Promise<void> {
  await Promise.all([provider.waitForWork('worker', 5), provider.waitForWork('worker', 5)]);
}

describe('ack-and-fetch-next', () => {
  it('is off for single callers: after an ack, other processes can take the next item at once', async () => {
    const schema = createTestSchema();
    const a = await openProvider(schema);
    const b = await openProvider(schema);
    for (const id of [1, 2]) await a.enqueueWorkerWork(activityItem('i1', id));
    await a.ackWorkItem((await fetchWork(a)).lockToken, completionItem('i1', 1));
    expect((await fetchWork(b)).item.id).toBe(2);
  });

  it('hands a dispatcher slot its next item from the ack, in order', async () => {
    const provider = await openProvider();
    for (const id of [1, 2, 3]) await provider.enqueueWorkerWork(activityItem('i1', id));
    await looksLikeDispatchers(provider);
    const seen: number[] = [];
    let lease = await fetchWork(provider);
    for (;;) {
      seen.push(lease.item.id);
      await provider.ackWorkItem(lease.lockToken, null);
      const next = await provider.fetchWorkItem(30_000, DEFAULT_ONLY);
      if (next === null) break;
      lease = next;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(await provider.getQueueDepths()).toMatchObject({ workerQueue: 0 });
  });

  it('gives back an item locked ahead that nobody asked for, without counting the attempt', async () => {
    const schema = createTestSchema();
    const a = await openProvider(schema);
    const b = await openProvider(schema);
    for (const id of [1, 2]) await a.enqueueWorkerWork(activityItem('i1', id));
    await looksLikeDispatchers(a);
    await a.ackWorkItem((await fetchWork(a)).lockToken, null);
    // Item 2 was locked for `a` by the ack; `a` never asks for it, so `a` gives it back after
    // BUFFER_MAX_AGE_MS (wall time: the buffer paces this process, it is not durable time).
    expect(await b.fetchWorkItem(30_000, DEFAULT_ONLY)).toBeNull();
    const lease = await eventually(
      () => b.fetchWorkItem(30_000, DEFAULT_ONLY),
      'the lease locked ahead to be given back',
    );
    expect(lease.item.id).toBe(2);
    expect(lease.attemptCount).toBe(1);
  });

  it('gives back items locked ahead when the provider closes', async () => {
    const schema = createTestSchema();
    const a = await openProvider(schema);
    const b = await openProvider(schema);
    for (const id of [1, 2]) await a.enqueueWorkerWork(activityItem('i1', id));
    await looksLikeDispatchers(a);
    await a.ackWorkItem((await fetchWork(a)).lockToken, null);
    await a.close();
    const lease = await fetchWork(b);
    expect(lease.item.id).toBe(2);
    expect(lease.attemptCount).toBe(1);
  });

  it('hands activities scheduled by a turn straight to an idle worker slot of the process', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const turn = await provider.fetchOrchestrationItem(30_000);
    // Two idle worker slots (dispatchers) are waiting when the turn commits.
    await provider.fetchWorkItem(30_000, DEFAULT_ONLY);
    const waits = [provider.waitForWork('worker', 5000), provider.waitForWork('worker', 5000)];
    await provider.ackOrchestrationItem(
      turn!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    await Promise.race(waits);
    // The activity is already locked for this process: the woken slot gets it without a fetch
    // finding it in the store, and nobody else sees it.
    expect(await provider.getQueueDepths()).toMatchObject({ workerQueue: 0 });
    expect((await fetchWork(provider)).item.id).toBe(2);
    // (The other slot's wait is released when the provider closes.)
  });
});
