/**
 * Optional capabilities: what a provider may offer beyond the required contract. A provider
 * without a capability passes its cases; one that offers it must keep its rules.
 */
import assert from 'node:assert/strict';
import type { EagerWorkRequest, OrchestrationAck, Provider, WorkItemLease } from '../../core/provider.js';
import {
  ANY_TAG,
  DEFAULT_ONLY,
  EXPIRY_WAIT_MS,
  LONG_LEASE_MS,
  SHORT_LEASE_MS,
  activityItem,
  assertNoWork,
  completionItem,
  emptyAck,
  expectLockLost,
  fetchBatch,
  fetchWork,
  metadata,
  scheduledEvent,
  sleep,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('capabilities');

/** The options a provider may recommend (see `RecommendedRuntimeOptions`). */
const RECOMMENDABLE = new Set(['orchestrationConcurrency', 'workerConcurrency']);

/** An eager request for up to `maxItems` default-tag items. */
function eagerRequest(maxItems: number, extra: Partial<EagerWorkRequest> = {}): EagerWorkRequest {
  return { maxItems, lockTimeoutMs: LONG_LEASE_MS, tagFilter: { mode: 'defaultOnly' }, ...extra };
}

/**
 * Starts `instance` with a first turn that schedules `ack.workerItems`, committed through
 * `ackOrchestrationItemEager`; returns the leases. Null when the provider lacks the capability.
 */
async function startEager(
  provider: Provider,
  instance: string,
  ack: Partial<OrchestrationAck>,
  request: EagerWorkRequest,
): Promise<WorkItemLease[] | null> {
  if (typeof provider.ackOrchestrationItemEager !== 'function') return null;
  await provider.enqueueOrchestratorWork(startItem(instance));
  const item = await fetchBatch(provider, instance);
  const scheduled = (ack.workerItems ?? []).map((w) => scheduledEvent(instance, w.id));
  const result = await provider.ackOrchestrationItemEager(
    item.lockToken,
    emptyAck({ historyDelta: [startedEvent(instance), ...scheduled], metadata: metadata(), ...ack }),
    request,
  );
  return result.leases;
}

export const capabilityCases: readonly ValidationCase[] = [
  define(
    'recommendedRuntimeOptions returns valid runtime options, the same on every call',
    async (provider) => {
      if (typeof provider.recommendedRuntimeOptions !== 'function') return;
      const first = provider.recommendedRuntimeOptions();
      assert.equal(typeof first, 'object', 'recommendedRuntimeOptions() must return an object');
      assert.notEqual(first, null, 'recommendedRuntimeOptions() must return an object');
      for (const [key, value] of Object.entries(first)) {
        assert.ok(
          RECOMMENDABLE.has(key),
          `recommendedRuntimeOptions(): "${key}" is not a recommendable option`,
        );
        if (value === undefined) continue;
        assert.ok(
          Number.isInteger(value) && (value as number) >= 0,
          `recommendedRuntimeOptions().${key} must be a non-negative integer, got ${String(value)}`,
        );
      }
      assert.deepEqual(
        provider.recommendedRuntimeOptions(),
        first,
        'recommendations must not change between calls',
      );
    },
  ),

  define('an eager ack locks the new activity items for the caller, as a fetch would', async (provider) => {
    const leases = await startEager(
      provider,
      'eager-lock',
      { workerItems: [activityItem('eager-lock', 2), activityItem('eager-lock', 3)] },
      eagerRequest(5),
    );
    if (leases === null) return;
    assert.deepEqual(
      leases.map((l) => [l.item.id, l.attemptCount]),
      [
        [2, 1],
        [3, 1],
      ],
    );
    assert.deepEqual(leases[0]!.item, activityItem('eager-lock', 2));
    await assertNoWork(provider, ANY_TAG, 'eagerly locked items must not be fetchable');
    // The token works as a fetched one: renew, then ack with a completion.
    await provider.renewWorkItemLock(leases[0]!.lockToken, LONG_LEASE_MS);
    await provider.ackWorkItem(leases[0]!.lockToken, completionItem('eager-lock', 2));
    await provider.abandonWorkItem(leases[1]!.lockToken, 0, false);
    const again = await fetchWork(provider);
    assert.equal(again.item.id, 3);
    assert.equal(again.attemptCount, 2, 'the eager lock counted an attempt');
    const batch = await fetchBatch(provider, 'eager-lock');
    assert.deepEqual(batch.messages, [completionItem('eager-lock', 2)]);
  }),

  define('an eager ack locks at most maxItems; the rest stay queued in order', async (provider) => {
    const items = [2, 3, 4].map((id) => activityItem('eager-max', id));
    const leases = await startEager(provider, 'eager-max', { workerItems: items }, eagerRequest(1));
    if (leases === null) return;
    assert.deepEqual(
      leases.map((l) => l.item.id),
      [2],
    );
    assert.equal((await fetchWork(provider)).item.id, 3);
    assert.equal((await fetchWork(provider)).item.id, 4);
    await assertNoWork(provider);
    const none = await startEager(
      provider,
      'eager-zero',
      { workerItems: [activityItem('eager-zero', 2)] },
      eagerRequest(0),
    );
    assert.deepEqual(none, []);
    assert.equal((await fetchWork(provider)).item.instance, 'eager-zero');
  }),

  define('an eager ack skips withdrawn, session, other-tag and skipped items', async (provider) => {
    const leases = await startEager(
      provider,
      'eager-skip',
      {
        workerItems: [
          activityItem('eager-skip', 2),
          activityItem('eager-skip', 3, { session_id: 's1' }),
          activityItem('eager-skip', 4, { tag: 'gpu' }),
          activityItem('eager-skip', 5, { name: 'Elsewhere' }),
          activityItem('eager-skip', 6),
        ],
        cancelledActivities: [{ instanceId: 'eager-skip', executionId: 1, activityId: 2 }],
      },
      eagerRequest(10, { skipActivities: ['Elsewhere'] }),
    );
    if (leases === null) return;
    assert.deepEqual(
      leases.map((l) => l.item.id),
      [6],
    );
    const rest: number[] = [];
    for (;;) {
      const lease = await provider.fetchWorkItem(LONG_LEASE_MS, {
        tagFilter: { mode: 'any' },
        session: { ownerId: 'w', lockTimeoutMs: LONG_LEASE_MS },
      });
      if (lease === null) break;
      rest.push(lease.item.id);
    }
    assert.deepEqual(rest.sort(), [3, 4, 5], 'the withdrawn item is gone, the others are queued');
  }),

  define('an eagerly locked item is delivered again when its lease expires', async (provider) => {
    const leases = await startEager(
      provider,
      'eager-expiry',
      { workerItems: [activityItem('eager-expiry', 2)] },
      eagerRequest(1, { lockTimeoutMs: SHORT_LEASE_MS }),
    );
    if (leases === null) return;
    assert.equal(leases.length, 1);
    await assertNoWork(provider);
    await sleep(EXPIRY_WAIT_MS);
    const again = await fetchWork(provider, DEFAULT_ONLY);
    assert.equal(again.item.id, 2);
    assert.equal(again.attemptCount, 2);
    await expectLockLost(
      provider.ackWorkItem(leases[0]!.lockToken, completionItem('eager-expiry', 2)),
      'ack with the expired eager lease',
    );
  }),

  define('an eager ack whose lease expired writes and locks nothing', async (provider) => {
    if (typeof provider.ackOrchestrationItemEager !== 'function') return;
    await provider.enqueueOrchestratorWork(startItem('eager-lost'));
    const item = await fetchBatch(provider, 'eager-lost', SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await expectLockLost(
      provider.ackOrchestrationItemEager(
        item.lockToken,
        emptyAck({
          historyDelta: [startedEvent('eager-lost'), scheduledEvent('eager-lost', 2)],
          workerItems: [activityItem('eager-lost', 2)],
          metadata: metadata(),
        }),
        eagerRequest(1),
      ),
      'eager ack after expiry',
    );
    await assertNoWork(provider);
    const again = await fetchBatch(provider, 'eager-lost');
    assert.deepEqual(again.messages, [startItem('eager-lost')]);
  }),
];
