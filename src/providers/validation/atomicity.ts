/**
 * Atomicity: an orchestration ack commits everything or nothing, and only a committed ack
 * releases the lease.
 */
import assert from 'node:assert/strict';
import { isDuroxError } from '../../core/errors.js';
import {
  ANY_TAG,
  SHORT_LEASE_MS,
  EXPIRY_WAIT_MS,
  activityItem,
  assertNoBatch,
  assertNoWork,
  createInstance,
  emptyAck,
  expectLockLost,
  expectPermanentProviderError,
  expectRejects,
  externalEvent,
  externalItem,
  fetchBatch,
  fetchWork,
  kvSet,
  metadata,
  scheduledEvent,
  sleep,
  startItem,
  startedEvent,
  timerItem,
  typesOf,
  waitUntil,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('atomicity');

export const atomicityCases: readonly ValidationCase[] = [
  define('a failed ack (duplicate event id) writes nothing', async (provider) => {
    await createInstance(provider, 'atom-dup');
    await provider.enqueueOrchestratorWork(externalItem('atom-dup'));
    const item = await fetchBatch(provider, 'atom-dup', SHORT_LEASE_MS * 2);
    await expectPermanentProviderError(
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({
          // event 1 already exists: the whole ack must roll back.
          historyDelta: [scheduledEvent('atom-dup', 2), startedEvent('atom-dup', 1)],
          workerItems: [activityItem('atom-dup', 2)],
          orchestratorItems: [{ item: startItem('atom-dup-child') }],
          customStatus: { status: 'changed' },
          kvMutations: [kvSet('k', '"v"')],
          metadata: metadata({ status: 'Completed', output: '"x"' }),
        }),
      ),
      'ack with a duplicate event id',
    );
    assert.deepEqual(await provider.readHistory('atom-dup'), [startedEvent('atom-dup')]);
    const info = await provider.getInstanceInfo('atom-dup');
    assert.equal(info?.status, 'Running');
    assert.equal(info?.customStatus, null);
    assert.equal(info?.customStatusVersion, 0);
    assert.equal(await provider.getKvValue('atom-dup', 'k'), null);
    await assertNoWork(provider, ANY_TAG, 'the failed ack must not enqueue activities');
    assert.equal(await provider.getInstanceInfo('atom-dup-child'), null);
    // The messages were not deleted: once the lease is gone the batch comes back.
    const again = await waitUntil('the batch to be fetchable again', () =>
      provider.fetchOrchestrationItem(30_000),
    );
    assert.equal(again.instanceId, 'atom-dup', 'only the acked instance had messages');
    assert.deepEqual(again.messages, [externalItem('atom-dup')]);
  }),

  define('a failed ack keeps the lease; only abandon or expiry releases it', async (provider) => {
    await createInstance(provider, 'atom-lease');
    await provider.enqueueOrchestratorWork(externalItem('atom-lease'));
    const item = await fetchBatch(provider, 'atom-lease');
    await expectRejects(
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({ historyDelta: [startedEvent('atom-lease', 1)] }),
      ),
      'ack with a duplicate event id',
    );
    await provider.enqueueOrchestratorWork(externalItem('atom-lease', '"later"'));
    await assertNoBatch(provider, 'the instance must stay locked after a failed ack');
    await provider.abandonOrchestrationItem(item.lockToken);
    const again = await fetchBatch(provider, 'atom-lease');
    assert.deepEqual(again.messages, [externalItem('atom-lease'), externalItem('atom-lease', '"later"')]);
  }),

  define('a successful ack releases the lease at once', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('atom-release'));
    const item = await fetchBatch(provider, 'atom-release');
    await provider.enqueueOrchestratorWork(externalItem('atom-release'));
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('atom-release')], metadata: metadata() }),
    );
    const next = await fetchBatch(provider, 'atom-release');
    assert.deepEqual(next.messages, [externalItem('atom-release')]);
    assert.deepEqual(typesOf(next.history), ['OrchestrationStarted']);
  }),

  define('an ack after the lease expired writes nothing', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('atom-expired'));
    const item = await fetchBatch(provider, 'atom-expired', SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await expectLockLost(
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({
          historyDelta: [startedEvent('atom-expired'), scheduledEvent('atom-expired', 2)],
          workerItems: [activityItem('atom-expired', 2)],
          orchestratorItems: [{ item: startItem('atom-expired-child') }],
          metadata: metadata(),
          kvMutations: [kvSet('k', '"v"')],
        }),
      ),
      'ack after expiry',
    );
    assert.equal(await provider.getInstanceInfo('atom-expired'), null);
    assert.deepEqual(await provider.readHistory('atom-expired'), []);
    assert.equal(await provider.getKvValue('atom-expired', 'k'), null);
    await assertNoWork(provider);
    const again = await fetchBatch(provider, 'atom-expired');
    assert.deepEqual(again.messages, [startItem('atom-expired')]);
    await assertNoBatch(provider, 'the child start must not have been enqueued');
  }),

  define('concurrent acks with the same token: exactly one wins', async (provider) => {
    await createInstance(provider, 'atom-race');
    await provider.enqueueOrchestratorWork(externalItem('atom-race'));
    const item = await fetchBatch(provider, 'atom-race');
    const results = await Promise.allSettled([
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({ historyDelta: [externalEvent('atom-race', 2, '"a"')], metadata: metadata() }),
      ),
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({ historyDelta: [externalEvent('atom-race', 2, '"b"')], metadata: metadata() }),
      ),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    assert.equal(won.length, 1, 'exactly one ack must succeed');
    assert.equal(lost.length, 1, 'exactly one ack must fail');
    const reason = (lost[0] as PromiseRejectedResult).reason as unknown;
    assert.ok(
      isDuroxError(reason, 'LOCK_LOST'),
      `the losing ack must fail with LOCK_LOST, got ${String(reason)}`,
    );
    const winner = results[0]?.status === 'fulfilled' ? '"a"' : '"b"';
    assert.deepEqual(await provider.readHistory('atom-race'), [
      startedEvent('atom-race'),
      externalEvent('atom-race', 2, winner),
    ]);
  }),

  define('one ack commits history, queues, status, custom status and KV together', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('atom-all'));
    const item = await fetchBatch(provider, 'atom-all');
    const fireAt = Date.now() + 60_000;
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('atom-all'), scheduledEvent('atom-all', 2)],
        workerItems: [activityItem('atom-all', 2)],
        orchestratorItems: [
          { item: startItem('atom-all-child') },
          { item: timerItem('atom-all', 3, fireAt), visibleAtMs: fireAt },
        ],
        customStatus: { status: 'step 1' },
        kvMutations: [kvSet('k', '"v"')],
        metadata: metadata(),
      }),
    );
    assert.deepEqual(typesOf(await provider.readHistory('atom-all')), [
      'OrchestrationStarted',
      'ActivityScheduled',
    ]);
    const info = await provider.getInstanceInfo('atom-all');
    assert.equal(info?.status, 'Running');
    assert.equal(info?.customStatus, 'step 1');
    assert.equal(await provider.getKvValue('atom-all', 'k'), '"v"');
    assert.deepEqual((await fetchWork(provider)).item, activityItem('atom-all', 2));
    const child = await fetchBatch(provider, 'atom-all-child');
    assert.deepEqual(child.messages, [startItem('atom-all-child')]);
    await assertNoBatch(provider, 'the timer is not due yet');
  }),

  define('an ack with an empty delta is valid and consumes the batch', async (provider) => {
    await createInstance(provider, 'atom-empty');
    await provider.enqueueOrchestratorWork(externalItem('atom-empty'));
    const item = await fetchBatch(provider, 'atom-empty');
    await provider.ackOrchestrationItem(item.lockToken, emptyAck({ metadata: metadata() }));
    assert.deepEqual(await provider.readHistory('atom-empty'), [startedEvent('atom-empty')]);
    await assertNoBatch(provider, 'the acked messages must be gone');
  }),
];
