/**
 * Attempt counts (the input of poison-message detection): 1 on first delivery, +1 on every
 * redelivery (abandon or expiry), per message, not counted when abandoned with `ignoreAttempt`,
 * and the maximum across an orchestration batch.
 */
import assert from 'node:assert/strict';
import {
  EXPIRY_WAIT_MS,
  SHORT_LEASE_MS,
  activityItem,
  createInstance,
  emptyAck,
  externalItem,
  fetchBatch,
  fetchWork,
  metadata,
  sleep,
  startItem,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('poison');

export const poisonCases: readonly ValidationCase[] = [
  define('orchestration attempts start at 1', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('att-o-1'));
    assert.equal((await fetchBatch(provider, 'att-o-1')).attemptCount, 1);
  }),

  define('orchestration attempts grow on each re-fetch after abandon', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('att-o-abandon'));
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const item = await fetchBatch(provider, 'att-o-abandon');
      counts.push(item.attemptCount);
      await provider.abandonOrchestrationItem(item.lockToken);
    }
    assert.deepEqual(counts, [1, 2, 3]);
  }),

  define('orchestration attempts grow when a lease expires', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('att-o-exp'));
    assert.equal((await fetchBatch(provider, 'att-o-exp', SHORT_LEASE_MS)).attemptCount, 1);
    await sleep(EXPIRY_WAIT_MS);
    assert.equal((await fetchBatch(provider, 'att-o-exp', SHORT_LEASE_MS)).attemptCount, 2);
    await sleep(EXPIRY_WAIT_MS);
    assert.equal((await fetchBatch(provider, 'att-o-exp')).attemptCount, 3);
  }),

  define('orchestration attempts are counted per message; a batch reports the maximum', async (provider) => {
    await createInstance(provider, 'att-o-mix');
    await provider.enqueueOrchestratorWork(externalItem('att-o-mix', '"old"'));
    await provider.abandonOrchestrationItem((await fetchBatch(provider, 'att-o-mix')).lockToken);
    await provider.abandonOrchestrationItem((await fetchBatch(provider, 'att-o-mix')).lockToken);
    await provider.enqueueOrchestratorWork(externalItem('att-o-mix', '"new"'));
    const mixed = await fetchBatch(provider, 'att-o-mix');
    assert.equal(mixed.messages.length, 2);
    assert.equal(mixed.attemptCount, 3, 'the old message is on its third delivery');
    // After the old message is consumed, the new one reports its own count.
    await provider.ackOrchestrationItem(mixed.lockToken, emptyAck({ metadata: metadata() }));
    await provider.enqueueOrchestratorWork(externalItem('att-o-mix', '"fresh"'));
    assert.equal((await fetchBatch(provider, 'att-o-mix')).attemptCount, 1);
  }),

  define(
    'orchestration abandon with ignoreAttempt does not count the attempt, never below 0',
    async (provider) => {
      await provider.enqueueOrchestratorWork(startItem('att-o-ignore'));
      for (let i = 0; i < 3; i++) {
        const item = await fetchBatch(provider, 'att-o-ignore');
        assert.equal(item.attemptCount, 1, `fetch ${i + 1} after ignored abandons`);
        await provider.abandonOrchestrationItem(item.lockToken, 0, true);
      }
      const counted = await fetchBatch(provider, 'att-o-ignore');
      await provider.abandonOrchestrationItem(counted.lockToken);
      assert.equal((await fetchBatch(provider, 'att-o-ignore')).attemptCount, 2);
    },
  ),

  define('work-item attempts start at 1 and grow on each re-fetch after abandon', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('att-w', 1));
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await fetchWork(provider);
      counts.push(lease.attemptCount);
      await provider.abandonWorkItem(lease.lockToken);
    }
    assert.deepEqual(counts, [1, 2, 3]);
  }),

  define('work-item attempts grow when a lock expires', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('att-w-exp', 1));
    assert.equal((await fetchWork(provider, undefined, SHORT_LEASE_MS)).attemptCount, 1);
    await sleep(EXPIRY_WAIT_MS);
    assert.equal((await fetchWork(provider)).attemptCount, 2);
  }),

  define('work-item attempts are per item', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('att-w-per', 1));
    await provider.enqueueWorkerWork(activityItem('att-w-per', 2));
    const first = await fetchWork(provider);
    await provider.abandonWorkItem(first.lockToken, 1_000);
    const second = await fetchWork(provider);
    assert.equal(second.item.id, 2);
    assert.equal(second.attemptCount, 1);
  }),

  define(
    'work-item abandon with ignoreAttempt does not count the attempt, never below 0',
    async (provider) => {
      await provider.enqueueWorkerWork(activityItem('att-w-ignore', 1));
      for (let i = 0; i < 3; i++) {
        const lease = await fetchWork(provider);
        assert.equal(lease.attemptCount, 1, `fetch ${i + 1} after ignored abandons`);
        await provider.abandonWorkItem(lease.lockToken, 0, true);
      }
      const counted = await fetchWork(provider);
      await provider.abandonWorkItem(counted.lockToken);
      assert.equal((await fetchWork(provider)).attemptCount, 2);
    },
  ),
];
