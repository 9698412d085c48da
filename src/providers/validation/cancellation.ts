/**
 * Activity cancellation ("lock stealing"): an ack's `cancelledActivities` withdraws the matching
 * worker-queue rows, queued or running; the running worker learns it through LOCK_LOST on its
 * next renew or ack.
 */
import assert from 'node:assert/strict';
import type { ScheduledActivityId } from '../../core/provider.js';
import {
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
  runTurn,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('cancellation');

function cancel(instanceId: string, activityId: number, executionId = 1): ScheduledActivityId {
  return { instanceId, executionId, activityId };
}

export const cancellationCases: readonly ValidationCase[] = [
  define('cancelling a queued activity withdraws it', async (provider) => {
    await createInstance(provider, 'cx-queued', { ack: { workerItems: [activityItem('cx-queued', 2)] } });
    await runTurn(provider, 'cx-queued', () => ({ cancelledActivities: [cancel('cx-queued', 2)] }));
    await assertNoWork(provider, undefined, 'the cancelled activity must be gone');
  }),

  define("cancelling a running activity makes the worker's renew fail with LOCK_LOST", async (provider) => {
    await createInstance(provider, 'cx-renew', { ack: { workerItems: [activityItem('cx-renew', 2)] } });
    const lease = await fetchWork(provider);
    await runTurn(provider, 'cx-renew', () => ({ cancelledActivities: [cancel('cx-renew', 2)] }));
    await expectLockLost(
      provider.renewWorkItemLock(lease.lockToken, 30_000),
      'renew of a cancelled activity',
    );
  }),

  define(
    "cancelling a running activity makes the worker's ack fail and drops its completion",
    async (provider) => {
      await createInstance(provider, 'cx-ack', { ack: { workerItems: [activityItem('cx-ack', 2)] } });
      const lease = await fetchWork(provider);
      await runTurn(provider, 'cx-ack', () => ({ cancelledActivities: [cancel('cx-ack', 2)] }));
      await expectLockLost(
        provider.ackWorkItem(lease.lockToken, completionItem('cx-ack', 2)),
        'ack of a cancelled activity',
      );
      await assertNoBatch(provider, 'the completion of a cancelled activity must not be enqueued');
      await assertNoWork(provider);
    },
  ),

  define('an activity scheduled and cancelled in the same ack never runs', async (provider) => {
    await createInstance(provider, 'cx-same', {
      ack: {
        workerItems: [activityItem('cx-same', 2), activityItem('cx-same', 3)],
        cancelledActivities: [cancel('cx-same', 2)],
      },
    });
    assert.equal((await fetchWork(provider)).item.id, 3);
    await assertNoWork(provider);
  }),

  define('cancelling activities that do not exist is harmless', async (provider) => {
    await createInstance(provider, 'cx-missing');
    await runTurn(provider, 'cx-missing', () => ({
      cancelledActivities: [cancel('cx-missing', 99), cancel('cx-nobody', 1), cancel('cx-missing', 2, 7)],
      workerItems: [activityItem('cx-missing', 3)],
    }));
    assert.equal((await fetchWork(provider)).item.id, 3, 'the rest of the ack must commit');
  }),

  define('a batch of cancellations withdraws exactly the named activities', async (provider) => {
    await createInstance(provider, 'cx-batch', {
      ack: { workerItems: [2, 3, 4, 5].map((id) => activityItem('cx-batch', id)) },
    });
    const running = await fetchWork(provider);
    assert.equal(running.item.id, 2);
    await runTurn(provider, 'cx-batch', () => ({
      cancelledActivities: [cancel('cx-batch', 2), cancel('cx-batch', 4)],
    }));
    await expectLockLost(
      provider.renewWorkItemLock(running.lockToken, 30_000),
      'renew of cancelled activity 2',
    );
    const left: number[] = [];
    for (let lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'any' } }); lease !== null;) {
      left.push(lease.item.id);
      lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'any' } });
    }
    assert.deepEqual(left, [3, 5]);
  }),

  define('cancellation matches instance, execution and activity id exactly', async (provider) => {
    await createInstance(provider, 'cx-exact', {
      ack: { workerItems: [activityItem('cx-exact', 2), activityItem('cx-exact', 2, { execution_id: 2 })] },
    });
    await provider.enqueueWorkerWork(activityItem('cx-exact-other', 2));
    await runTurn(provider, 'cx-exact', () => ({ cancelledActivities: [cancel('cx-exact', 2, 1)] }));
    const survivors: string[] = [];
    for (let lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'any' } }); lease !== null;) {
      survivors.push(`${lease.item.instance}/${lease.item.execution_id}/${lease.item.id}`);
      lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'any' } });
    }
    assert.deepEqual(survivors.sort(), ['cx-exact-other/1/2', 'cx-exact/2/2']);
  }),

  define('cancelling an activity that already completed keeps its completion', async (provider) => {
    await createInstance(provider, 'cx-late', { ack: { workerItems: [activityItem('cx-late', 2)] } });
    const lease = await fetchWork(provider);
    await provider.enqueueOrchestratorWork(externalItem('cx-late'));
    const turn = await fetchBatch(provider, 'cx-late');
    // The activity completes while the turn that cancels it runs.
    await provider.ackWorkItem(lease.lockToken, completionItem('cx-late', 2));
    await provider.ackOrchestrationItem(
      turn.lockToken,
      emptyAck({ metadata: metadata(), cancelledActivities: [cancel('cx-late', 2)] }),
    );
    const next = await fetchBatch(provider, 'cx-late');
    assert.deepEqual(
      next.messages,
      [completionItem('cx-late', 2)],
      'cancellation withdraws worker items only',
    );
  }),
];
