/**
 * Deletion: whole instances (history, executions, queued work, leases, KV) in one transaction,
 * with the running-instance and orphaned-child guards, and the bulk delete of terminal roots.
 */
import assert from 'node:assert/strict';
import { isDuroxError } from '../../core/errors.js';
import type { Provider } from '../../core/provider.js';
import {
  activityItem,
  assertNoBatch,
  assertNoWork,
  completeInstance,
  completionItem,
  continueAsNew,
  createCompleted,
  createInstance,
  emptyAck,
  expectDuroxError,
  expectLockLost,
  externalItem,
  failInstance,
  fetchBatch,
  fetchWork,
  kvSet,
  metadata,
  sleep,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('deletion');

async function assertGone(provider: Provider, instanceId: string): Promise<void> {
  assert.equal(await provider.getInstanceInfo(instanceId), null, `${instanceId} must be gone`);
  assert.deepEqual(await provider.readHistory(instanceId), [], `history of ${instanceId} must be gone`);
  assert.deepEqual(await provider.readHistory(instanceId, 1), []);
  assert.deepEqual(await provider.listExecutions(instanceId), []);
  assert.deepEqual(await provider.getKvAllValues(instanceId), {});
}

async function assertPresent(provider: Provider, instanceId: string): Promise<void> {
  assert.ok(await provider.getInstanceInfo(instanceId), `${instanceId} must still exist`);
}

/** A completed root with a completed child and grandchild. */
async function createTree(provider: Provider, root: string): Promise<void> {
  await createCompleted(provider, root);
  await createCompleted(provider, `${root}-child`, { parentInstanceId: root });
  await createCompleted(provider, `${root}-grandchild`, { parentInstanceId: `${root}-child` });
}

export const deletionCases: readonly ValidationCase[] = [
  define('deleting a completed instance removes it and reports what it removed', async (provider) => {
    await createCompleted(provider, 'del-done');
    await provider.enqueueOrchestratorWork(externalItem('del-done'));
    const result = await provider.deleteInstances(['del-done'], false);
    assert.deepEqual(result, {
      instancesDeleted: 1,
      executionsDeleted: 1,
      eventsDeleted: 2,
      queueMessagesDeleted: 1,
    });
    await assertGone(provider, 'del-done');
    await assertNoBatch(provider, 'queued messages of the deleted instance must be gone');
  }),

  define('deletion counts every execution and event', async (provider) => {
    await createInstance(provider, 'del-execs');
    await continueAsNew(provider, 'del-execs');
    await completeInstance(provider, 'del-execs');
    const result = await provider.deleteInstances(['del-execs'], false);
    assert.equal(result.instancesDeleted, 1);
    assert.equal(result.executionsDeleted, 2);
    assert.equal(result.eventsDeleted, 4);
    await assertGone(provider, 'del-execs');
  }),

  define('deleting a running instance without force is rejected and deletes nothing', async (provider) => {
    await createInstance(provider, 'del-running');
    await createCompleted(provider, 'del-running-done');
    await expectDuroxError(
      provider.deleteInstances(['del-running-done', 'del-running'], false),
      'INSTANCE_STILL_RUNNING',
      'delete of a running instance',
    );
    await assertPresent(provider, 'del-running');
    await assertPresent(provider, 'del-running-done');
  }),

  define('force deletes a running instance with its queued work and lease', async (provider) => {
    await createInstance(provider, 'del-force', { ack: { workerItems: [activityItem('del-force', 2)] } });
    await provider.enqueueOrchestratorWork(externalItem('del-force'));
    await fetchBatch(provider, 'del-force');
    await provider.enqueueOrchestratorWork(externalItem('del-force', '"late"'));
    const result = await provider.deleteInstances(['del-force'], true);
    assert.equal(result.instancesDeleted, 1);
    assert.equal(result.queueMessagesDeleted, 3, 'two orchestrator messages and one activity');
    await assertGone(provider, 'del-force');
    await assertNoBatch(provider);
    await assertNoWork(provider);
  }),

  define('a failed instance deletes without force', async (provider) => {
    await createInstance(provider, 'del-failed');
    await failInstance(provider, 'del-failed');
    assert.equal((await provider.deleteInstances(['del-failed'], false)).instancesDeleted, 1);
    await assertGone(provider, 'del-failed');
  }),

  define('deleting a tree together removes every listed instance', async (provider) => {
    await createTree(provider, 'del-tree');
    const result = await provider.deleteInstances(
      ['del-tree', 'del-tree-child', 'del-tree-grandchild'],
      false,
    );
    assert.equal(result.instancesDeleted, 3);
    assert.equal(result.executionsDeleted, 3);
    assert.equal(result.eventsDeleted, 6);
    for (const id of ['del-tree', 'del-tree-child', 'del-tree-grandchild']) await assertGone(provider, id);
  }),

  define('deleting a parent without its child is rejected (orphan detection)', async (provider) => {
    await createTree(provider, 'del-orphan');
    await expectDuroxError(
      provider.deleteInstances(['del-orphan'], false),
      'INVALID_INPUT',
      'delete of a parent whose child is not listed',
    );
    await expectDuroxError(
      provider.deleteInstances(['del-orphan', 'del-orphan-child'], true),
      'INVALID_INPUT',
      'forced delete of a parent whose grandchild is not listed',
    );
    for (const id of ['del-orphan', 'del-orphan-child', 'del-orphan-grandchild'])
      await assertPresent(provider, id);
  }),

  define('an ack after a force delete fails with LOCK_LOST and recreates nothing', async (provider) => {
    await createInstance(provider, 'del-ack');
    await provider.enqueueOrchestratorWork(externalItem('del-ack'));
    const item = await fetchBatch(provider, 'del-ack');
    await provider.deleteInstances(['del-ack'], true);
    await expectLockLost(
      provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({
          historyDelta: [startedEvent('del-ack', 2)],
          workerItems: [activityItem('del-ack', 2)],
          metadata: metadata(),
          kvMutations: [kvSet('k', '"v"')],
        }),
      ),
      'ack of a deleted instance',
    );
    await assertGone(provider, 'del-ack');
    await assertNoWork(provider);
  }),

  define('a worker ack after a force delete fails and enqueues no completion', async (provider) => {
    await createInstance(provider, 'del-worker', { ack: { workerItems: [activityItem('del-worker', 2)] } });
    const lease = await fetchWork(provider);
    await provider.deleteInstances(['del-worker'], true);
    await expectLockLost(provider.renewWorkItemLock(lease.lockToken, 5_000), 'renew of a deleted activity');
    await expectLockLost(
      provider.ackWorkItem(lease.lockToken, completionItem('del-worker', 2)),
      'ack of a deleted activity',
    );
    await assertNoBatch(provider, 'no completion may be enqueued');
    assert.equal(await provider.getInstanceInfo('del-worker'), null);
  }),

  define('a deleted id can be reused from scratch', async (provider) => {
    await createInstance(provider, 'del-reuse', {
      ack: { kvMutations: [kvSet('k', '"old"')], customStatus: { status: 'old' } },
    });
    await continueAsNew(provider, 'del-reuse');
    await completeInstance(provider, 'del-reuse');
    await provider.deleteInstances(['del-reuse'], false);
    await provider.enqueueOrchestratorWork(startItem('del-reuse'));
    const item = await fetchBatch(provider, 'del-reuse');
    assert.equal(item.executionId, 1);
    assert.deepEqual(item.history, []);
    assert.deepEqual(item.kvSnapshot, {});
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('del-reuse')], metadata: metadata() }),
    );
    const info = await provider.getInstanceInfo('del-reuse');
    assert.equal(info?.currentExecutionId, 1);
    assert.equal(info?.status, 'Running');
    assert.equal(info?.customStatus, null);
    assert.equal(info?.customStatusVersion, 0);
    assert.deepEqual(await provider.readHistory('del-reuse'), [startedEvent('del-reuse')]);
    assert.deepEqual(await provider.listExecutions('del-reuse'), [1]);
    assert.deepEqual(await provider.getKvAllValues('del-reuse'), {});
  }),

  define('deletion removes committed and pending KV state', async (provider) => {
    await createInstance(provider, 'del-kv', { ack: { kvMutations: [kvSet('committed', '1')] } });
    await continueAsNew(provider, 'del-kv');
    await completeInstance(provider, 'del-kv');
    await createInstance(provider, 'del-kv-live', { ack: { kvMutations: [kvSet('pending', '2')] } });
    await provider.deleteInstances(['del-kv'], false);
    await provider.deleteInstances(['del-kv-live'], true);
    assert.equal(await provider.getKvValue('del-kv', 'committed'), null);
    assert.equal(await provider.getKvValue('del-kv-live', 'pending'), null);
  }),

  define('deletion leaves other instances alone', async (provider) => {
    await createCompleted(provider, 'del-me');
    await createInstance(provider, 'del-keep', {
      ack: { kvMutations: [kvSet('k', '1')], workerItems: [activityItem('del-keep', 2)] },
    });
    await provider.enqueueOrchestratorWork(externalItem('del-keep'));
    await provider.deleteInstances(['del-me'], false);
    await assertPresent(provider, 'del-keep');
    assert.equal(await provider.getKvValue('del-keep', 'k'), '1');
    assert.equal((await fetchWork(provider)).item.instance, 'del-keep');
    assert.deepEqual((await fetchBatch(provider, 'del-keep')).messages, [externalItem('del-keep')]);
  }),

  define('deleting an unknown id deletes nothing', async (provider) => {
    await createCompleted(provider, 'del-known');
    try {
      const result = await provider.deleteInstances(['del-unknown'], false);
      assert.equal(result.instancesDeleted, 0);
    } catch (err) {
      assert.ok(isDuroxError(err, 'NOT_FOUND'), `expected a zero result or NOT_FOUND, got ${String(err)}`);
    }
    await assertPresent(provider, 'del-known');
  }),

  // ---- bulk -------------------------------------------------------------------------------------

  define('bulk delete takes terminal roots only and skips running ones', async (provider) => {
    await createCompleted(provider, 'bulk-done');
    await createInstance(provider, 'bulk-failed');
    await failInstance(provider, 'bulk-failed');
    await createInstance(provider, 'bulk-running');
    const result = await provider.deleteInstanceBulk({});
    assert.equal(result.instancesDeleted, 2);
    await assertGone(provider, 'bulk-done');
    await assertGone(provider, 'bulk-failed');
    await assertPresent(provider, 'bulk-running');
  }),

  define('bulk delete by ids takes only listed roots; a child alone is not taken', async (provider) => {
    await createCompleted(provider, 'bulk-ids-a');
    await createCompleted(provider, 'bulk-ids-b');
    await createTree(provider, 'bulk-ids-tree');
    assert.equal((await provider.deleteInstanceBulk({ instanceIds: ['bulk-ids-a'] })).instancesDeleted, 1);
    assert.equal(
      (await provider.deleteInstanceBulk({ instanceIds: ['bulk-ids-tree-child'] })).instancesDeleted,
      0,
    );
    await assertGone(provider, 'bulk-ids-a');
    for (const id of ['bulk-ids-b', 'bulk-ids-tree', 'bulk-ids-tree-child', 'bulk-ids-tree-grandchild'])
      await assertPresent(provider, id);
  }),

  define('bulk delete cascades to all descendants', async (provider) => {
    await createTree(provider, 'bulk-tree');
    const result = await provider.deleteInstanceBulk({ instanceIds: ['bulk-tree'] });
    assert.equal(result.instancesDeleted, 3);
    assert.equal(result.executionsDeleted, 3);
    assert.equal(result.eventsDeleted, 6);
    for (const id of ['bulk-tree', 'bulk-tree-child', 'bulk-tree-grandchild']) await assertGone(provider, id);
  }),

  define('bulk delete honours completedBefore, ANDed with ids', async (provider) => {
    await createCompleted(provider, 'bulk-old-a');
    await createCompleted(provider, 'bulk-old-b');
    await sleep(20);
    const cutoff = Date.now();
    await sleep(20);
    await createCompleted(provider, 'bulk-new');
    const result = await provider.deleteInstanceBulk({
      instanceIds: ['bulk-old-a', 'bulk-new'],
      completedBefore: cutoff,
    });
    assert.equal(result.instancesDeleted, 1);
    await assertGone(provider, 'bulk-old-a');
    await assertPresent(provider, 'bulk-old-b');
    await assertPresent(provider, 'bulk-new');
    assert.equal((await provider.deleteInstanceBulk({ completedBefore: cutoff })).instancesDeleted, 1);
    await assertGone(provider, 'bulk-old-b');
    await assertPresent(provider, 'bulk-new');
  }),

  define('bulk delete takes at most limit roots', async (provider) => {
    for (const id of ['bulk-lim-1', 'bulk-lim-2', 'bulk-lim-3']) await createCompleted(provider, id);
    assert.equal((await provider.deleteInstanceBulk({ limit: 2 })).instancesDeleted, 2);
    assert.equal(await provider.countInstances(), 1);
    assert.equal((await provider.deleteInstanceBulk({ limit: 2 })).instancesDeleted, 1);
    assert.equal(await provider.countInstances(), 0);
  }),
];
