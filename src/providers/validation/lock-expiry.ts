/**
 * Lock expiry: leases end on their own, renewals extend live leases only, and a token whose
 * lease ended can no longer commit anything — on both queues.
 */
import assert from 'node:assert/strict';
import {
  EXPIRY_WAIT_MS,
  SHORT_LEASE_MS,
  activityItem,
  assertNoBatch,
  assertNoWork,
  completionItem,
  createInstance,
  emptyAck,
  expectLockLost,
  externalItem,
  fetchBatch,
  fetchWork,
  metadata,
  sleep,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('lock-expiry');

export const lockExpiryCases: readonly ValidationCase[] = [
  // ---- orchestrator queue ----------------------------------------------------------------------

  define('an expired orchestration lease makes the batch fetchable again', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('exp-orch'));
    const first = await fetchBatch(provider, 'exp-orch', SHORT_LEASE_MS);
    await assertNoBatch(provider, 'the lease is still live');
    await sleep(EXPIRY_WAIT_MS);
    const second = await fetchBatch(provider, 'exp-orch');
    assert.notEqual(second.lockToken, first.lockToken);
    assert.deepEqual(second.messages, first.messages);
  }),

  define('renewing an orchestration lease extends it', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('exp-renew'));
    const item = await fetchBatch(provider, 'exp-renew', SHORT_LEASE_MS);
    await sleep(SHORT_LEASE_MS / 2);
    await provider.renewOrchestrationItemLock(item.lockToken, 5_000);
    await sleep(EXPIRY_WAIT_MS);
    await assertNoBatch(provider, 'the renewed lease must still hold');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('exp-renew')], metadata: metadata() }),
    );
    assert.equal((await provider.getInstanceInfo('exp-renew'))?.status, 'Running');
  }),

  define('renewing an expired orchestration lease fails with LOCK_LOST', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('exp-renew-late'));
    const item = await fetchBatch(provider, 'exp-renew-late', SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await expectLockLost(provider.renewOrchestrationItemLock(item.lockToken, 5_000), 'renew after expiry');
  }),

  define('a token whose lease expired and was taken over cannot ack; the new one can', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('exp-steal'));
    const old = await fetchBatch(provider, 'exp-steal', SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    const current = await fetchBatch(provider, 'exp-steal');
    await expectLockLost(
      provider.ackOrchestrationItem(
        old.lockToken,
        emptyAck({ historyDelta: [startedEvent('exp-steal')], metadata: metadata() }),
      ),
      'ack with the stale token',
    );
    await expectLockLost(
      provider.renewOrchestrationItemLock(old.lockToken, 5_000),
      'renew with the stale token',
    );
    await expectLockLost(provider.abandonOrchestrationItem(old.lockToken), 'abandon with the stale token');
    await provider.ackOrchestrationItem(
      current.lockToken,
      emptyAck({ historyDelta: [startedEvent('exp-steal')], metadata: metadata() }),
    );
    assert.deepEqual(await provider.readHistory('exp-steal'), [startedEvent('exp-steal')]);
  }),

  define(
    'new messages of an instance whose lease expired are fetched with the old ones',
    async (provider) => {
      await createInstance(provider, 'exp-merge');
      await provider.enqueueOrchestratorWork(externalItem('exp-merge', '"1"'));
      await fetchBatch(provider, 'exp-merge', SHORT_LEASE_MS);
      await provider.enqueueOrchestratorWork(externalItem('exp-merge', '"2"'));
      await sleep(EXPIRY_WAIT_MS);
      const again = await fetchBatch(provider, 'exp-merge');
      assert.deepEqual(again.messages, [externalItem('exp-merge', '"1"'), externalItem('exp-merge', '"2"')]);
    },
  ),

  // ---- worker queue -----------------------------------------------------------------------------

  define('an expired work-item lock makes the item fetchable again with a new token', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w', 1));
    const first = await fetchWork(provider, undefined, SHORT_LEASE_MS);
    await assertNoWork(provider, undefined, 'the lock is still live');
    await sleep(EXPIRY_WAIT_MS);
    const second = await fetchWork(provider);
    assert.notEqual(second.lockToken, first.lockToken);
    assert.deepEqual(second.item, activityItem('exp-w', 1));
  }),

  define('renewing a work-item lock extends it', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w-renew', 1));
    const lease = await fetchWork(provider, undefined, SHORT_LEASE_MS);
    await sleep(SHORT_LEASE_MS / 2);
    await provider.renewWorkItemLock(lease.lockToken, 5_000);
    await sleep(EXPIRY_WAIT_MS);
    await assertNoWork(provider, undefined, 'the renewed lock must still hold');
    await provider.ackWorkItem(lease.lockToken, null);
  }),

  define('renewing an expired work-item lock fails with LOCK_LOST', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w-late', 1));
    const lease = await fetchWork(provider, undefined, SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await expectLockLost(provider.renewWorkItemLock(lease.lockToken, 5_000), 'renew after expiry');
  }),

  define('renewing a work item after its ack fails with LOCK_LOST', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w-acked', 1));
    const lease = await fetchWork(provider);
    await provider.ackWorkItem(lease.lockToken, null);
    await expectLockLost(provider.renewWorkItemLock(lease.lockToken, 5_000), 'renew after ack');
    await expectLockLost(provider.ackWorkItem(lease.lockToken, null), 'ack twice');
  }),

  define(
    'invalid work-item tokens are rejected with LOCK_LOST by ack, renew and abandon',
    async (provider) => {
      await provider.enqueueWorkerWork(activityItem('exp-w-bogus', 1));
      const lease = await fetchWork(provider);
      for (const token of ['', 'bogus', `${lease.lockToken}x`, `${'x'.repeat(36)}.1`]) {
        await expectLockLost(provider.ackWorkItem(token, null), `ack with token '${token}'`);
        await expectLockLost(provider.renewWorkItemLock(token, 1000), `renew with token '${token}'`);
        await expectLockLost(provider.abandonWorkItem(token), `abandon with token '${token}'`);
      }
      await provider.ackWorkItem(lease.lockToken, null);
    },
  ),

  define('a worker ack after expiry fails with LOCK_LOST and enqueues no completion', async (provider) => {
    await createInstance(provider, 'exp-w-ack', { ack: { workerItems: [activityItem('exp-w-ack', 2)] } });
    const lease = await fetchWork(provider, undefined, SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await expectLockLost(
      provider.ackWorkItem(lease.lockToken, completionItem('exp-w-ack', 2)),
      'ack after expiry',
    );
    await assertNoBatch(provider, 'the completion must not be enqueued');
    const again = await fetchWork(provider);
    assert.deepEqual(again.item, activityItem('exp-w-ack', 2));
  }),

  define('a stale work-item token fails after redelivery; the new token acks', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w-steal', 1));
    const old = await fetchWork(provider, undefined, SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    const current = await fetchWork(provider);
    await expectLockLost(provider.ackWorkItem(old.lockToken, null), 'ack with the stale token');
    await expectLockLost(provider.renewWorkItemLock(old.lockToken, 5_000), 'renew with the stale token');
    await expectLockLost(provider.abandonWorkItem(old.lockToken), 'abandon with the stale token');
    await provider.ackWorkItem(current.lockToken, null);
    await assertNoWork(provider);
  }),

  define('abandoning a work item releases it at once', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('exp-w-abandon', 1));
    const lease = await fetchWork(provider);
    await provider.abandonWorkItem(lease.lockToken);
    await expectLockLost(provider.ackWorkItem(lease.lockToken, null), 'ack after abandon');
    const again = await fetchWork(provider);
    assert.deepEqual(again.item, activityItem('exp-w-abandon', 1));
  }),
];
